package io.twinview.core.grpc;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Who may call a service's gRPC server ({@code twinview.grpc.*}); TLS itself is Quarkus's
 * {@code quarkus.grpc.server.ssl.*}. See docs/security.md, section gRPC.
 *
 * <p>Quarkus finds this mapping in core's jar because core is a bean archive ({@code META-INF/beans.xml}).
 */
@ConfigMapping(prefix = "twinview.grpc")
public interface GrpcSecurityConfig {

    /**
     * Bearer tokens, one {@code <role> <token>} per line (roles {@code operator}, {@code reader}), as a
     * Kubernetes Secret mounts them. Default: none.
     */
    Optional<Path> tokenFile();

    /**
     * TLS client certificate subjects, one {@code <role> <X.500 name>} per line, for mutual TLS
     * (needs {@code quarkus.grpc.server.ssl.trust-store}, the client CA). Default: none.
     */
    Optional<Path> clientSubjectsFile();

    /**
     * Let a server bound to a non-loopback address start without TLS or authentication (logged as
     * a WARN at start). Default {@code false}.
     */
    @WithDefault("false")
    boolean insecure();
}
