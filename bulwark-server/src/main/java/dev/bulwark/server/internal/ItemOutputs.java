package dev.bulwark.server.internal;

import dev.bulwark.EngineEvent;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The output folders of a job's items, {@code OUTPUTS/JOB/SEQ}: what an item left there is its
 * outputs. Only regular files directly in the folder whose names pass {@link UploadRoutes#NAME}
 * count; links, folders and other names are never listed, served or zipped.
 */
final class ItemOutputs {
    private final Path jobDir;

    /** @param outputs the template's outputs folder (a real path) */
    ItemOutputs(Path outputs, UUID jobId) {
        this.jobDir = outputs.resolve(jobId.toString());
    }

    /** The output folder of an item (not created). */
    Path folder(long seq) {
        return jobDir.resolve(Long.toString(seq));
    }

    /** The item's output files by name, sorted; empty when it has none. */
    List<Path> files(long seq) throws IOException {
        Path dir = folder(seq);
        if (!Files.isDirectory(jobDir, LinkOption.NOFOLLOW_LINKS) || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        try (Stream<Path> list = Files.list(dir)) {
            return list.filter(p -> UploadRoutes.NAME.matcher(p.getFileName().toString()).matches()
                            && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                    .sorted().toList();
        }
    }

    /** One output file of an item, if it exists as such. */
    java.util.Optional<Path> file(long seq, String name) throws IOException {
        if (!UploadRoutes.NAME.matcher(name).matches()) {
            return java.util.Optional.empty();
        }
        return files(seq).stream().filter(p -> p.getFileName().toString().equals(name)).findFirst();
    }

    /** Deletes the job's output folders. */
    void delete() throws IOException {
        UploadRoutes.deleteTree(jobDir);
    }

    /** The sequence numbers of the items with an output folder, in order. */
    List<Long> items() throws IOException {
        if (!Files.isDirectory(jobDir, LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        try (Stream<Path> list = Files.list(jobDir)) {
            return list.map(p -> p.getFileName().toString()).filter(n -> n.matches("[1-9][0-9]{0,18}"))
                    .map(Long::parseLong).sorted().toList();
        }
    }

    /** Name, size and SHA-256 of each output file of an item. */
    List<EngineEvent.ItemOutputs.File> describe(long seq) throws IOException {
        List<EngineEvent.ItemOutputs.File> out = new ArrayList<>();
        for (Path p : files(seq)) {
            out.add(new EngineEvent.ItemOutputs.File(p.getFileName().toString(), Files.size(p), sha256(p)));
        }
        return out;
    }

    static String sha256(Path file) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            byte[] buffer = new byte[64 * 1024];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                sha.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }
}
