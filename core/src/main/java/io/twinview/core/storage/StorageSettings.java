package io.twinview.core.storage;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.regex.Pattern;

/**
 * Where objects live: an S3-compatible endpoint (S3Proxy, MinIO, AWS), its credentials, one
 * bucket and the region to sign for. Validated on construction; a bad value fails with a
 * message naming the field, the value and what is allowed.
 *
 * @param endpoint  {@code http(s)://host[:port]}, no path
 * @param accessKey non-blank; {@link #toString()} prints its first 4 characters of 16 or more, else none
 * @param secretKey non-blank; never printed by {@link #toString()}
 * @param bucket    an S3 bucket name: 3-63 of a-z 0-9 . -, starting and ending with a letter or digit
 * @param region    non-blank; {@value #DEFAULT_REGION} for S3Proxy and MinIO
 */
public record StorageSettings(String endpoint, String accessKey, String secretKey, String bucket, String region) {

    public static final String DEFAULT_REGION = "us-east-1";

    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

    public StorageSettings {
        requireNonBlank("endpoint", endpoint);
        requireNonBlank("accessKey", accessKey);
        requireNonBlank("secretKey", secretKey);
        requireNonBlank("bucket", bucket);
        requireNonBlank("region", region);
        checkEndpoint(endpoint);
        if (!BUCKET.matcher(bucket).matches() || bucket.contains("..")) {
            throw new IllegalArgumentException(
                    "bucket '" + bucket
                            + "' is not an S3 bucket name: 3-63 characters of a-z, 0-9, '.' and '-', starting and ending with a letter or digit");
        }
    }

    /** Settings in {@link #DEFAULT_REGION}. */
    public static StorageSettings of(String endpoint, String accessKey, String secretKey, String bucket) {
        return new StorageSettings(endpoint, accessKey, secretKey, bucket, DEFAULT_REGION);
    }

    @Override
    public String toString() {
        return "StorageSettings[endpoint=" + endpoint + ", accessKey=" + redacted(accessKey)
                + ", secretKey=***, bucket=" + bucket + ", region=" + region + "]";
    }

    /** Enough of an access key to tell which one is in use (as AWS consoles show it), never all of it. */
    static String redacted(String accessKey) {
        return accessKey.length() >= 16 ? accessKey.substring(0, 4) + "***" : "***";
    }

    private static void requireNonBlank(String field, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(
                    field + " must not be blank, was " + (value == null ? "null" : "'" + value + "'"));
        }
    }

    private static void checkEndpoint(String endpoint) {
        URI uri;
        try {
            uri = new URI(endpoint);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("endpoint '" + endpoint + "' is not a URL: " + e.getMessage(), e);
        }
        boolean http = "http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme());
        boolean noPath = uri.getRawPath() == null
                || uri.getRawPath().isEmpty()
                || uri.getRawPath().equals("/");
        if (!http || uri.getHost() == null || !noPath || uri.getRawQuery() != null) {
            throw new IllegalArgumentException("endpoint '" + endpoint
                    + "' must be an http(s) URL with a host and no path," + " like http://127.0.0.1:9000");
        }
    }
}
