package io.twinview.core.storage;

/**
 * One stored object as listed.
 *
 * @param key  the full key, prefix included
 * @param size in bytes
 */
public record ObjectInfo(String key, long size) {}
