package dev.bulwark.server.internal;

import dev.bulwark.Job;
import dev.bulwark.server.Role;
import dev.bulwark.server.TemplateConfig;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * The outputs of a job's items: the list per item, one file, and the whole job as one ZIP stream
 * whose entries are {@code SEQ/NAME} (names checked as for uploads: no entry can climb out of
 * the folder it is unpacked into).
 */
final class OutputRoutes {
    private final ServerContext server;

    OutputRoutes(ServerContext server) {
        this.server = server;
    }

    void register(Javalin app) {
        String b = Views.BASE;
        app.get(b + "/jobs/{id}/items/{seq}/outputs", ctx -> {
            Job job = job(ctx);
            long seq = ItemRoutes.seq(ctx);
            List<Map<String, Object>> files = new java.util.ArrayList<>();
            for (dev.bulwark.EngineEvent.ItemOutputs.File f : outputs(job).describe(seq)) {
                Map<String, Object> file = new LinkedHashMap<>();
                file.put("name", f.name());
                file.put("size", f.size());
                file.put("sha256", f.sha256());
                file.put("url", Views.jobUrl(job) + "/items/" + seq + "/outputs/" + f.name());
                files.add(file);
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("seq", seq);
            m.put("files", files);
            ctx.json(m);
        });
        app.get(b + "/jobs/{id}/items/{seq}/outputs/{name}", ctx -> {
            Job job = job(ctx);
            long seq = ItemRoutes.seq(ctx);
            String name = ctx.pathParam("name");
            Path file = outputs(job).file(seq, name).orElseThrow(() -> Problem.notFound("item " + seq + " of job " + job.id()
                    + " has no output named '" + name + "'"));
            ctx.contentType("application/octet-stream");
            ctx.header("Content-Disposition", "attachment; filename=\"" + name + "\"");
            ctx.header("X-Content-Type-Options", "nosniff");
            ctx.result(Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS));
        });
        app.get(b + "/jobs/{id}/outputs.zip", ctx -> {
            Job job = job(ctx);
            ItemOutputs outputs = outputs(job);
            ctx.contentType("application/zip");
            ctx.header("Content-Disposition", "attachment; filename=\"outputs-" + job.id() + ".zip\"");
            try (OutputStream out = ctx.outputStream(); ZipOutputStream zip = new ZipOutputStream(out)) {
                for (long seq : outputs.items()) {
                    for (Path file : outputs.files(seq)) {
                        zip.putNextEntry(new ZipEntry(seq + "/" + file.getFileName()));
                        try (var in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
                            in.transferTo(zip);
                        }
                        zip.closeEntry();
                    }
                }
            }
        });
    }

    private Job job(Context ctx) {
        return server.jobs().find(Routes.who(ctx, Role.READ), ctx.pathParam("id"));
    }

    private static ItemOutputs outputs(Job job) throws IOException {
        String base = job.config().input().get(TemplateConfig.OUTPUTS_INPUT);
        if (base == null) {
            throw Problem.notFound("job " + job.id() + " keeps no outputs: its template '" + job.config().input().get(JobService.TEMPLATE)
                    + "' declares no outputs folder");
        }
        return new ItemOutputs(Path.of(base), job.id());
    }
}
