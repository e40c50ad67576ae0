package io.twinview.core.grpc;

import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.twinview.proto.v1.EmbedServiceGrpc;
import io.twinview.proto.v1.EvalServiceGrpc;
import io.twinview.proto.v1.TrainerServiceGrpc;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The one table of which role each RPC of TrainerService, EvalService and EmbedService needs. An RPC missing here
 * is refused with PERMISSION_DENIED by {@link AuthInterceptor} (fail closed), and {@code RpcRolesTest}
 * fails when a method of {@link #SERVICES} has no entry.
 */
public final class RpcRoles {

    /** The services whose every method must be in {@link #TABLE}. */
    public static final List<ServiceDescriptor> SERVICES = List.of(
            TrainerServiceGrpc.getServiceDescriptor(),
            EvalServiceGrpc.getServiceDescriptor(),
            EmbedServiceGrpc.getServiceDescriptor());

    /** Full method name ({@code twinview.v1.TrainerService/StartRun}) to the least role that may call it. */
    public static final Map<String, Role> TABLE = Map.ofEntries(
            entry(TrainerServiceGrpc.getStartRunMethod(), Role.OPERATOR),
            entry(TrainerServiceGrpc.getGetRunMethod(), Role.READER),
            entry(TrainerServiceGrpc.getListRunsMethod(), Role.READER),
            entry(TrainerServiceGrpc.getWatchRunMethod(), Role.READER),
            entry(TrainerServiceGrpc.getCancelRunMethod(), Role.OPERATOR),
            entry(EvalServiceGrpc.getEvaluateMethod(), Role.OPERATOR),
            entry(EvalServiceGrpc.getGetReportMethod(), Role.READER),
            entry(EvalServiceGrpc.getListReportsMethod(), Role.READER),
            entry(EmbedServiceGrpc.getEmbedMethod(), Role.READER),
            entry(EmbedServiceGrpc.getEmbedStreamMethod(), Role.READER));

    private RpcRoles() {}

    /** The role {@code fullMethodName} needs, or empty for a method nobody may call. */
    public static Optional<Role> required(String fullMethodName) {
        return Optional.ofNullable(TABLE.get(fullMethodName));
    }

    private static Map.Entry<String, Role> entry(MethodDescriptor<?, ?> method, Role role) {
        return Map.entry(method.getFullMethodName(), role);
    }
}
