package io.twinview.core.checkpoint;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import java.nio.charset.StandardCharsets;

/** The proto3 JSON mapping for the documents we store (manifests, reports). */
public final class ProtoJson {

    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().alwaysPrintFieldsWithNoPresence();
    private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();

    private ProtoJson() {}

    public static byte[] toJson(Message message) {
        try {
            return PRINTER.print(message).getBytes(StandardCharsets.UTF_8);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(
                    "cannot print " + message.getDescriptorForType().getFullName(), e);
        }
    }

    /**
     * @throws IllegalArgumentException naming the document when it is not valid JSON of that type
     */
    public static <B extends Message.Builder> B parse(byte[] json, B builder, String what) {
        try {
            PARSER.merge(new String(json, StandardCharsets.UTF_8), builder);
            return builder;
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException(
                    what + " is not a valid " + builder.getDescriptorForType().getFullName() + " JSON document: "
                            + e.getMessage(),
                    e);
        }
    }
}
