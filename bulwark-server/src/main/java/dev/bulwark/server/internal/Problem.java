package dev.bulwark.server.internal;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An error answered as {@code application/problem+json} (RFC 9457): status, a short title, a
 * detail that names the bad value and what is expected, and the request field at fault.
 */
public final class Problem extends RuntimeException {
    private final int status;
    private final String title;
    private final String field;

    public Problem(int status, String title, String detail, String field) {
        super(detail);
        this.status = status;
        this.title = title;
        this.field = field;
    }

    public static Problem badRequest(String field, String detail) {
        return new Problem(400, "Bad Request", detail, field);
    }

    public static Problem unprocessable(String field, String detail) {
        return new Problem(422, "Unprocessable Content", detail, field);
    }

    public static Problem notFound(String detail) {
        return new Problem(404, "Not Found", detail, null);
    }

    public static Problem conflict(String detail) {
        return new Problem(409, "Conflict", detail, null);
    }

    public int status() {
        return status;
    }

    /** The response body. */
    public Map<String, Object> body(String instance) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "about:blank");
        body.put("title", title);
        body.put("status", status);
        body.put("detail", getMessage());
        if (field != null) {
            body.put("field", field);
        }
        body.put("instance", instance);
        return body;
    }
}
