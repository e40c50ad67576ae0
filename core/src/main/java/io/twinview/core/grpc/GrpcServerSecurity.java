package io.twinview.core.grpc;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

/**
 * What a service checks before its gRPC server serves: secure by default. A server bound to an
 * address other than loopback refuses to start without TLS ({@code quarkus.grpc.server.ssl.*}) and
 * authentication ({@code twinview.grpc.token-file} or {@code twinview.grpc.client-subjects-file})
 * unless {@code twinview.grpc.insecure=true}, which is logged as a WARN.
 */
public final class GrpcServerSecurity {

    private static final Logger LOG = Logger.getLogger(GrpcServerSecurity.class);

    /**
     * The transport settings of Quarkus's gRPC server that the checks need.
     *
     * @param host {@code quarkus.grpc.server.host} (Quarkus's default {@code 0.0.0.0})
     * @param tls a certificate and key, or a key store, is configured
     * @param clientCa {@code quarkus.grpc.server.ssl.trust-store} is configured
     * @param clientAuth {@code quarkus.grpc.server.ssl.client-auth}: NONE, REQUEST or REQUIRED
     */
    public record Transport(String host, boolean tls, boolean clientCa, String clientAuth) {

        public static Transport of(Config config) {
            return new Transport(
                    config.getOptionalValue("quarkus.grpc.server.host", String.class)
                            .orElse("0.0.0.0"),
                    config.getOptionalValue("quarkus.grpc.server.ssl.certificate", String.class)
                                    .isPresent()
                            || config.getOptionalValue("quarkus.grpc.server.ssl.key-store", String.class)
                                    .isPresent(),
                    config.getOptionalValue("quarkus.grpc.server.ssl.trust-store", String.class)
                            .isPresent(),
                    config.getOptionalValue("quarkus.grpc.server.ssl.client-auth", String.class)
                            .orElse("NONE")
                            .toUpperCase(Locale.ROOT));
        }

        boolean loopback() {
            try {
                return InetAddress.getByName(host).isLoopbackAddress();
            } catch (UnknownHostException e) {
                return false;
            }
        }
    }

    private GrpcServerSecurity() {}

    /**
     * Reads the credentials, runs the checks and returns the interceptor for every call.
     *
     * @throws IllegalStateException naming the settings a non-loopback server lacks, or a
     *                               client-subjects file without a client CA
     * @throws IllegalArgumentException naming the file and line of a bad credential entry
     */
    public static AuthInterceptor interceptor(GrpcSecurityConfig security, Config config) {
        Callers callers = Callers.load(security.tokenFile(), security.clientSubjectsFile());
        check(Transport.of(config), callers, security.insecure());
        return new AuthInterceptor(callers);
    }

    static void check(Transport transport, Callers callers, boolean insecure) {
        if (callers.hasSubjects()
                && (!transport.clientCa() || transport.clientAuth().equals("NONE"))) {
            throw new IllegalStateException("twinview.grpc.client-subjects-file needs client certificates: set"
                    + " quarkus.grpc.server.ssl.trust-store (the client CA) and"
                    + " quarkus.grpc.server.ssl.client-auth=REQUEST or REQUIRED");
        }
        List<String> missing = new ArrayList<>();
        if (!transport.tls()) {
            missing.add("TLS (quarkus.grpc.server.ssl.certificate and quarkus.grpc.server.ssl.key)");
        }
        if (!callers.authenticates()) {
            missing.add("authentication (twinview.grpc.token-file or twinview.grpc.client-subjects-file)");
        }
        if (insecure && missing.isEmpty()) {
            LOG.warn("twinview.grpc.insecure=true changes nothing: TLS and authentication are configured");
        } else if (insecure) {
            LOG.warnf(
                    "twinview.grpc.insecure=true: the gRPC server on %s starts WITHOUT %s: whoever reaches the port"
                            + " may read or forge calls. Never use this outside a trusted network.",
                    transport.host(), String.join(" and without ", missing));
        } else if (!transport.loopback() && !missing.isEmpty()) {
            throw new IllegalStateException("the gRPC server is bound to quarkus.grpc.server.host="
                    + transport.host() + ", not a loopback address, and refuses to start without "
                    + String.join(" and ", missing)
                    + "; set twinview.grpc.insecure=true to start it anyway on a trusted network");
        } else if (!callers.authenticates()) {
            LOG.warnf(
                    "gRPC authentication is off (no twinview.grpc.token-file): every process on this machine"
                            + " that reaches %s may call every RPC",
                    transport.host());
        }
        LOG.infof(
                "gRPC server on %s: TLS %s, client certificates %s, authentication %s",
                transport.host(),
                transport.tls() ? "on" : "off",
                transport.clientCa() ? transport.clientAuth() : "off",
                callers.authenticates() ? "on" : "off");
    }
}
