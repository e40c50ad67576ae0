package io.twinview.core.storage;

/** {@link ObjectStore#get(String)} of a key that does not exist. */
public final class ObjectNotFoundException extends StorageException {

    private final String bucket;
    private final String key;

    public ObjectNotFoundException(String bucket, String key) {
        super("no object s3://" + bucket + "/" + key);
        this.bucket = bucket;
        this.key = key;
    }

    public String bucket() {
        return bucket;
    }

    public String key() {
        return key;
    }
}
