package io.twinview.core.grpc;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** What a caller of the gRPC services may do; {@link #OPERATOR} may do everything {@link #READER} may. */
public enum Role {
    /** Reads runs and reports: Get, List and Watch RPCs. */
    READER,
    /** Starts runs and requests evaluations, and reads. */
    OPERATOR;

    /** Whether a caller with this role may call an RPC that needs {@code required}. */
    public boolean allows(Role required) {
        return compareTo(required) >= 0;
    }

    /** The lower-case name used in token and subject files: {@code reader}, {@code operator}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @throws IllegalArgumentException naming the value and the roles allowed
     */
    public static Role parse(String label) {
        for (Role role : values()) {
            if (role.label().equals(label)) {
                return role;
            }
        }
        throw new IllegalArgumentException("role '" + label + "' is not one of "
                + Arrays.stream(values()).map(Role::label).collect(Collectors.joining(", ")));
    }
}
