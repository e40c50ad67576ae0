package io.twinview.eval.grpc;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.quarkus.grpc.GlobalInterceptor;
import io.quarkus.runtime.StartupEvent;
import io.twinview.core.grpc.AuthInterceptor;
import io.twinview.core.grpc.GrpcSecurityConfig;
import io.twinview.core.grpc.GrpcServerSecurity;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.Config;

/**
 * Authentication and roles on every RPC ({@link AuthInterceptor}). Built at startup, so a server
 * that must not start as configured (non-loopback without TLS and tokens) stops the service.
 */
@GlobalInterceptor
@Singleton
public class Authentication implements ServerInterceptor {

    private final AuthInterceptor interceptor;

    Authentication(GrpcSecurityConfig security, Config config) {
        this.interceptor = GrpcServerSecurity.interceptor(security, config);
    }

    void checkAtStartup(@Observes StartupEvent event) {
        // creating this bean ran the checks
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        return interceptor.interceptCall(call, headers, next);
    }
}
