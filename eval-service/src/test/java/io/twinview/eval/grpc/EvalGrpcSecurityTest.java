package io.twinview.eval.grpc;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.twinview.core.grpc.GrpcTestSecurity;
import io.twinview.proto.v1.EmbedServiceGrpc;
import io.twinview.proto.v1.EvalServiceGrpc;
import io.twinview.stack.Ports;
import io.twinview.stack.quarkus.LocalStackTestResource;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * EvalService on a TLS port with optional client certificates, tokens for both roles and a
 * client-certificate subject that is a reader: every RPC refuses the wrong caller, the right role
 * gets through, plaintext and untrusted certificates do not connect.
 */
@QuarkusTest
@TestProfile(EvalGrpcSecurityTest.SecuredGrpc.class)
@QuarkusTestResource(LocalStackTestResource.class)
class EvalGrpcSecurityTest {

    static final int PORT = Ports.free();

    /** TLS, client CA, token and subject files of {@link GrpcTestSecurity}, on a port of its own. */
    public static class SecuredGrpc implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>(GrpcTestSecurity.get().serverConfig());
            config.put("quarkus.grpc.server.test-port", String.valueOf(PORT));
            return config;
        }
    }

    @Test
    void everyRpcNeedsACredentialAndTheRightRole() throws InterruptedException {
        GrpcTestSecurity.get().assertEveryRpcIsGuarded(PORT, EvalServiceGrpc.getServiceDescriptor());
        GrpcTestSecurity.get().assertEveryRpcIsGuarded(PORT, EmbedServiceGrpc.getServiceDescriptor());
    }
}
