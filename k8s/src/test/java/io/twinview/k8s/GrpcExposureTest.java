package io.twinview.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The services refuse to start with gRPC on a non-loopback address without TLS and tokens
 * (io.twinview.core.grpc.GrpcServerSecurity): every rendering gives trainer and eval either a
 * loopback address, or a certificate and a token file, or the explicit insecure flag; the platform
 * never the flag.
 */
class GrpcExposureTest {

    private static final Set<String> LOOPBACK = Set.of("127.0.0.1", "localhost", "::1");

    private Path kubectl;

    @BeforeEach
    void kubectl() {
        Optional<Path> found = Kustomize.kubectl();
        assumeTrue(found.isPresent(), "kubectl is not on the PATH (nor at -Dtwinview.kubectl): nothing to render");
        kubectl = found.get();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        // directory,          insecure allowed
        "k8s/base,             false",
        "k8s/overlays/dev,     true",
        "k8s/overlays/local,   true",
        "k8s/overlays/platform, false",
    })
    void trainerAndEvalGetTlsAndTokensOrAnExplicitInsecureFlag(String dir, boolean insecureAllowed) {
        Manifests manifests = Kustomize.render(kubectl, Places.repositoryRoot(), dir);
        List<PodTemplate.Container> servers = manifests.podTemplates().stream()
                .filter(t -> t.manifest().is("Deployment"))
                .flatMap(t -> t.containers().stream())
                .filter(c -> Set.of("trainer", "eval").contains(c.service()))
                .toList();
        assertEquals(2, servers.size(), dir + " runs trainer and eval");
        for (PodTemplate.Container server : servers) {
            String where = dir + " " + server.pod().manifest().id();
            String host = server.envValue("QUARKUS_GRPC_SERVER_HOST");
            assertNotNull(host, where + " names the gRPC address (the image's default is loopback)");
            boolean insecure = "true".equals(server.envValue("TWINVIEW_GRPC_INSECURE"));
            boolean secured = server.envValue("QUARKUS_GRPC_SERVER_SSL_CERTIFICATE") != null
                    && server.envValue("QUARKUS_GRPC_SERVER_SSL_KEY") != null
                    && server.envValue("TWINVIEW_GRPC_TOKEN_FILE") != null;
            assertTrue(
                    LOOPBACK.contains(host) || secured || insecure,
                    where + " on " + host
                            + " needs TLS and a token file, or TWINVIEW_GRPC_INSECURE=true: it would not start");
            if (!insecureAllowed) {
                assertTrue(secured && !insecure, where + " serves TLS with tokens and no insecure flag");
                assertNotEquals("127.0.0.1", host, where + " is reachable from other pods");
                for (String secret : List.of("twinview-grpc-tls", "twinview-grpc-tokens")) {
                    assertTrue(
                            server.pod()
                                    .spec()
                                    .path("volumes")
                                    .findValuesAsText("secretName")
                                    .contains(secret),
                            where + " mounts the Secret " + secret);
                }
            }
        }
    }
}
