package io.twinview.cli;

import io.grpc.ChannelCredentials;
import io.grpc.CompositeChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.TlsChannelCredentials;
import io.twinview.core.grpc.BearerToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * How the CLI reaches a gRPC server: the CA it trusts (TLS when set), a client certificate for
 * mutual TLS, and a bearer token sent as {@code authorization: Bearer <token>}; each may be null.
 *
 * @param tlsCa PEM certificate(s) the server's certificate must chain to
 * @param clientCertificate PEM client certificate (mutual TLS), with {@code clientKey}
 * @param clientKey PEM PKCS#8 private key of {@code clientCertificate}
 * @param token the bearer token
 */
record GrpcAccess(Path tlsCa, Path clientCertificate, Path clientKey, String token) {

    static final GrpcAccess PLAINTEXT = new GrpcAccess(null, null, null, null);

    GrpcAccess {
        if ((clientCertificate == null) != (clientKey == null)) {
            throw new IllegalArgumentException(
                    "--tls-cert and --tls-key go together (a client certificate needs its key)");
        }
    }

    boolean tls() {
        return tlsCa != null || clientCertificate != null;
    }

    ChannelCredentials credentials() {
        ChannelCredentials channel = InsecureChannelCredentials.create();
        if (tls()) {
            try {
                TlsChannelCredentials.Builder builder = TlsChannelCredentials.newBuilder();
                if (tlsCa != null) {
                    builder.trustManager(tlsCa.toFile());
                }
                if (clientCertificate != null) {
                    builder.keyManager(clientCertificate.toFile(), clientKey.toFile());
                }
                channel = builder.build();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the TLS files " + this, e);
            }
        }
        return token == null ? channel : CompositeChannelCredentials.create(channel, new BearerToken(token));
    }

    @Override
    public String toString() {
        return "GrpcAccess[tlsCa=" + tlsCa + ", clientCertificate=" + clientCertificate + ", token="
                + (token == null ? "none" : "****") + "]";
    }
}
