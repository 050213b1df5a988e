package dev.bulwark.server;

import dev.bulwark.ValidationException;

/**
 * A service tier: the priority its jobs run with (lower first) and its limits.
 *
 * @param name            the tier's name ({@code enterprise}, {@code free}, …)
 * @param priority        1 (first) to 1000; jobs with a lower number start first, waiting jobs age
 * @param maxItemsPerJob  the most items one submission may hold
 * @param maxRunningJobs  the most jobs of one tenant of this tier running at once
 * @param maxRequestBytes the largest request body accepted from a token of this tier
 * @param maxUploadBytes  the largest file one upload ({@code POST /uploads}) may hold
 * @param maxUploadFiles  the most files one upload may hold
 * @param maxUploadTotal  the most bytes of uploaded files a tenant of this tier may keep, per template root
 */
public record TierConfig(String name, int priority, int maxItemsPerJob, int maxRunningJobs, int maxRequestBytes,
                         long maxUploadBytes, int maxUploadFiles, long maxUploadTotal) {

    /** The tier used when no token is configured (loopback only). */
    public static final String ANONYMOUS = "anonymous";
    public static final int DEFAULT_PRIORITY = 10;
    public static final int DEFAULT_MAX_ITEMS = 10_000;
    public static final int DEFAULT_MAX_RUNNING_JOBS = 2;
    public static final int DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024;
    /** No tier may accept bodies larger than this (the server's own cap). */
    public static final int MAX_REQUEST_BYTES = 64 * 1024 * 1024;
    public static final long DEFAULT_MAX_UPLOAD_BYTES = 10L * 1024 * 1024;
    public static final int DEFAULT_MAX_UPLOAD_FILES = 20;
    public static final long DEFAULT_MAX_UPLOAD_TOTAL = 100L * 1024 * 1024;
    /** No tier may accept uploaded files larger than this. */
    public static final long MAX_UPLOAD_BYTES = 4L * 1024 * 1024 * 1024;

    /** A tier with the default upload limits. */
    public TierConfig(String name, int priority, int maxItemsPerJob, int maxRunningJobs, int maxRequestBytes) {
        this(name, priority, maxItemsPerJob, maxRunningJobs, maxRequestBytes, DEFAULT_MAX_UPLOAD_BYTES, DEFAULT_MAX_UPLOAD_FILES,
                DEFAULT_MAX_UPLOAD_TOTAL);
    }

    public TierConfig {
        String where = "tiers." + name;
        ValidationException.require(priority >= 1 && priority <= 1000,
                where + ".priority must be between 1 and 1000, but was " + priority);
        ValidationException.require(maxItemsPerJob >= 1,
                where + ".max-items must be at least 1, but was " + maxItemsPerJob);
        ValidationException.require(maxRunningJobs >= 1,
                where + ".max-running-jobs must be at least 1, but was " + maxRunningJobs);
        ValidationException.require(maxRequestBytes >= 256 && maxRequestBytes <= MAX_REQUEST_BYTES,
                where + ".max-request-bytes must be between 256 and " + MAX_REQUEST_BYTES + ", but was " + maxRequestBytes);
        ValidationException.require(maxUploadBytes >= 1 && maxUploadBytes <= MAX_UPLOAD_BYTES,
                where + ".max-upload-bytes must be between 1 and " + MAX_UPLOAD_BYTES + ", but was " + maxUploadBytes);
        ValidationException.require(maxUploadFiles >= 1 && maxUploadFiles <= 10_000,
                where + ".max-upload-files must be between 1 and 10000, but was " + maxUploadFiles);
        ValidationException.require(maxUploadTotal >= maxUploadBytes,
                where + ".max-upload-total must be at least max-upload-bytes (" + maxUploadBytes + "), but was " + maxUploadTotal);
    }

    /** The tier of requests without a token when no token is configured. */
    public static TierConfig anonymous() {
        return new TierConfig(ANONYMOUS, 15, DEFAULT_MAX_ITEMS, DEFAULT_MAX_RUNNING_JOBS, DEFAULT_MAX_REQUEST_BYTES);
    }
}
