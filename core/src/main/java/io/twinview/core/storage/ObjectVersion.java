package io.twinview.core.storage;

/**
 * One stored object as listed, with its entity tag.
 *
 * @param key  the full key, prefix included
 * @param size in bytes
 * @param etag the ETag without quotes: the MD5 hex of the content for a single-part upload,
 *             {@code <hex>-<parts>} for a multipart one
 */
public record ObjectVersion(String key, long size, String etag) {}
