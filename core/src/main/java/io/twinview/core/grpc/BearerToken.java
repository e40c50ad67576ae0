package io.twinview.core.grpc;

import io.grpc.CallCredentials;
import io.grpc.Metadata;
import java.util.concurrent.Executor;

/** Client side of the token check: {@code authorization: Bearer <token>} on every call. */
public final class BearerToken extends CallCredentials {

    private final String token;

    public BearerToken(String token) {
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("a bearer token must not be empty");
        }
        this.token = token.strip();
    }

    @Override
    public void applyRequestMetadata(RequestInfo requestInfo, Executor appExecutor, MetadataApplier applier) {
        Metadata headers = new Metadata();
        headers.put(AuthInterceptor.AUTHORIZATION, "Bearer " + token);
        applier.apply(headers);
    }

    @Override
    public String toString() {
        return "BearerToken[****]";
    }
}
