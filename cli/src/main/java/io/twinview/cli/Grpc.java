package io.twinview.cli;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.TimeUnit;

/** Plaintext loopback channels, and errors a user can read. */
final class Grpc {

    private Grpc() {}

    static ManagedChannel channel(String address) {
        int colon = address.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("address '" + address + "' is not host:port");
        }
        return ManagedChannelBuilder.forAddress(
                        address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)))
                .usePlaintext()
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
            case UNAVAILABLE -> service + " is not reachable at " + address + " (start the stack with ./twinview up)";
            default -> e.getStatus().getCode() + ": " + e.getStatus().getDescription();
        };
    }
}
