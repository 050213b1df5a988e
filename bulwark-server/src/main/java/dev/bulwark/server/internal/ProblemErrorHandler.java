package dev.bulwark.server.internal;

import dev.bulwark.util.Json;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.handler.ErrorHandler;

/**
 * Jetty's own errors, those that never reach a route (a malformed request line, {@code %ZZ} or a
 * NUL in the path, an ambiguous empty segment, a header too large), answered as
 * {@code application/problem+json} like every other error of the API instead of Jetty's HTML page.
 * The detail is Jetty's reason, which names what is wrong in the request, never a server path.
 */
public final class ProblemErrorHandler extends ErrorHandler {
    static final String PROBLEM_JSON = "application/problem+json";

    @Override
    protected void generateAcceptableResponse(Request baseRequest, HttpServletRequest request, HttpServletResponse response,
                                              int code, String message) throws IOException {
        baseRequest.setHandled(true);
        response.setContentType(PROBLEM_JSON);
        response.setCharacterEncoding("UTF-8");
        response.getOutputStream().write(body(code, message, request.getRequestURI()));
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(new HttpField(HttpHeader.CONTENT_TYPE, PROBLEM_JSON));
        return ByteBuffer.wrap(body(status, reason, null));
    }

    private static byte[] body(int status, String reason, String instance) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "about:blank");
        String title = HttpStatus.getMessage(status);
        body.put("title", title);
        body.put("status", status);
        body.put("detail", reason == null || reason.isBlank() ? title : "the request cannot be handled: " + reason);
        if (instance != null) {
            body.put("instance", instance);
        }
        return Json.write(body).getBytes(StandardCharsets.UTF_8);
    }
}
