package io.twinview.core.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RpcRolesTest {

    @Test
    void everyRpcOfEveryServiceHasARole() {
        Set<String> methods = new HashSet<>();
        for (ServiceDescriptor service : RpcRoles.SERVICES) {
            for (MethodDescriptor<?, ?> method : service.getMethods()) {
                methods.add(method.getFullMethodName());
                assertTrue(
                        RpcRoles.required(method.getFullMethodName()).isPresent(),
                        method.getFullMethodName()
                                + " needs an entry in RpcRoles.TABLE (nobody may call it until then)");
            }
        }
        assertEquals(methods, RpcRoles.TABLE.keySet(), "the table names exactly the RPCs of the services");
    }

    @Test
    void readersMayOnlyGetListWatchAndEmbed() {
        RpcRoles.TABLE.forEach((method, role) -> {
            String rpc = method.substring(method.indexOf('/') + 1);
            boolean reads = rpc.startsWith("Get")
                    || rpc.startsWith("List")
                    || rpc.startsWith("Watch")
                    || rpc.startsWith("Embed"); // embedding reads a checkpoint, changes nothing
            assertEquals(
                    reads ? Role.READER : Role.OPERATOR,
                    role,
                    method + ": reads are for readers, the rest for operators");
        });
    }

    @Test
    void anOperatorMayDoWhatAReaderMayButNotTheOtherWayRound() {
        assertTrue(Role.OPERATOR.allows(Role.READER), "operator reads");
        assertTrue(!Role.READER.allows(Role.OPERATOR), "reader does not start runs");
    }
}
