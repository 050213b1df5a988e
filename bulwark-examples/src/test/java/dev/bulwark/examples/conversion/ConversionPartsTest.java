package dev.bulwark.examples.conversion;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The conversion example's own parts, quickly: the whole scenario runs through examples/conversion-service/run.sh. */
class ConversionPartsTest {
    private static final String SECRET = "a-secret-of-at-least-16-characters";

    @Test
    void a_plain_webp_reads_back_through_imageio_pixel_for_pixel(@TempDir Path dir) throws Exception {
        BufferedImage image = new BufferedImage(37, 21, BufferedImage.TYPE_INT_RGB); // odd sizes: bits do not end on a byte
        Random random = new Random(7);
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                image.setRGB(x, y, random.nextInt(1 << 24));
            }
        }
        Path file = dir.resolve("noise.webp");
        PlainWebp.write(image, file);

        BufferedImage read = ImageIO.read(file.toFile());

        assertThat(read).isNotNull();
        assertThat(read.getWidth()).isEqualTo(37);
        assertThat(read.getHeight()).isEqualTo(21);
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                assertThat(read.getRGB(x, y) & 0xffffff).as("pixel %d,%d", x, y).isEqualTo(image.getRGB(x, y) & 0xffffff);
            }
        }
    }

    @Test
    void the_webhook_receiver_accepts_its_own_signature_and_refuses_a_changed_body_or_an_old_timestamp() throws Exception {
        Clock clock = Clock.fixed(Instant.ofEpochSecond(1_796_527_591), ZoneOffset.UTC);
        try (WebhookReceiver receiver = WebhookReceiver.start(0, SECRET, clock)) {
            byte[] body = "{\"event\":\"job_finished\"}".getBytes(StandardCharsets.UTF_8);
            String signature = receiver.signature("1796527591", body);

            assertThat(signature).matches("v1=[0-9a-f]{64}");
            assertThat(receiver.refusal("1796527591", signature, body)).isNull();
            assertThat(receiver.refusal("1796527591", signature, "{\"event\":\"job_finishes\"}".getBytes(StandardCharsets.UTF_8)))
                    .startsWith("Bulwark-Signature does not match the body");
            String old = "1796527231"; // 6 minutes earlier
            assertThat(receiver.refusal(old, receiver.signature(old, body), body)).contains("360 s away from now");
            assertThat(receiver.refusal(null, signature, body)).contains("Bulwark-Timestamp is missing");
        }
    }
}
