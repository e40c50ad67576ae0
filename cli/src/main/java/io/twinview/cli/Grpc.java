package io.twinview.cli;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.TimeUnit;

/** Channels with the TLS and token of a {@link GrpcAccess}, and errors a user can read. */
final class Grpc {

    private Grpc() {}

    static ManagedChannel channel(String address, GrpcAccess access) {
        int colon = address.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("address '" + address + "' is not host:port");
        }
        return io.grpc.Grpc.newChannelBuilderForAddress(
                        address.substring(0, colon),
                        Integer.parseInt(address.substring(colon + 1)),
                        access.credentials())
                .maxInboundMessageSize(64 << 20)
                .build();
    }

    static void close(ManagedChannel channel) {
        channel.shutdown();
        try {
            if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
                channel.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            channel.shutdownNow();
        }
    }

    /** "INVALID_ARGUMENT: batch_size = 0 is not valid: ..." */
    static String describe(StatusRuntimeException e, String service, String address) {
        return switch (e.getStatus().getCode()) {
            case UNAVAILABLE ->
                service + " is not reachable at " + address
                        + " (start the stack with ./twinview up; a TLS port needs --tls-ca)";
            case UNAUTHENTICATED ->
                "UNAUTHENTICATED: " + e.getStatus().getDescription()
                        + " (give --token-file, --token or TWINVIEW_TOKEN; ./twinview up writes .twinview/up/token)";
            default -> e.getStatus().getCode() + ": " + e.getStatus().getDescription();
        };
    }
}
