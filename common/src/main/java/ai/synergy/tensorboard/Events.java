package ai.synergy.tensorboard;

import org.nd4j.shade.protobuf.DescriptorProtos.DescriptorProto;
import org.nd4j.shade.protobuf.DescriptorProtos.FieldDescriptorProto;
import org.nd4j.shade.protobuf.DescriptorProtos.FileDescriptorProto;
import org.nd4j.shade.protobuf.DescriptorProtos.OneofDescriptorProto;
import org.nd4j.shade.protobuf.Descriptors;
import org.nd4j.shade.protobuf.DynamicMessage;
import org.tensorflow.framework.Summary;
import org.tensorflow.framework.SummaryProtos;

import java.util.Map;

/**
 * TensorBoard's {@code tensorflow.Event} message ({@code tensorflow/core/util/event.proto}). nd4j-api ships
 * TensorFlow's generated {@link Summary} but not {@code Event}, so {@code Event} is declared here as a protobuf
 * descriptor with the fields TensorBoard reads ({@code wall_time} 1, {@code step} 2, and in the {@code what} oneof
 * {@code file_version} 3 and {@code summary} 5, the generated {@link Summary}); the protobuf library encodes it.
 */
public final class Events {
    /** The first event of every file: the format TensorBoard expects. */
    public static final String FILE_VERSION = "brain.Event:2";

    /** The {@code tensorflow.Event} message type. */
    public static final Descriptors.Descriptor EVENT = eventDescriptor();

    private static final Descriptors.FieldDescriptor WALL_TIME = EVENT.findFieldByName("wall_time");
    private static final Descriptors.FieldDescriptor STEP = EVENT.findFieldByName("step");
    private static final Descriptors.FieldDescriptor VERSION = EVENT.findFieldByName("file_version");
    private static final Descriptors.FieldDescriptor SUMMARY = EVENT.findFieldByName("summary");

    private Events() {
    }

    /** The {@code file_version} event that opens a file. */
    public static byte[] fileVersion(double wallTime) {
        return DynamicMessage.newBuilder(EVENT).setField(WALL_TIME, wallTime).setField(VERSION, FILE_VERSION)
                .build().toByteArray();
    }

    /** An event holding one scalar ({@code simple_value}) per tag, in the map's order, at {@code step}. */
    public static byte[] scalars(double wallTime, long step, Map<String, Double> values) {
        Summary.Builder summary = Summary.newBuilder();
        values.forEach((tag, value) -> summary.addValue(Summary.Value.newBuilder().setTag(tag)
                .setSimpleValue(value.floatValue())));
        return DynamicMessage.newBuilder(EVENT).setField(WALL_TIME, wallTime).setField(STEP, step)
                .setField(SUMMARY, summary.build()).build().toByteArray();
    }

    private static Descriptors.Descriptor eventDescriptor() {
        Descriptors.FileDescriptor summaryFile = SummaryProtos.getDescriptor();
        DescriptorProto event = DescriptorProto.newBuilder().setName("Event")
                .addOneofDecl(OneofDescriptorProto.newBuilder().setName("what"))
                .addField(field("wall_time", 1, FieldDescriptorProto.Type.TYPE_DOUBLE))
                .addField(field("step", 2, FieldDescriptorProto.Type.TYPE_INT64))
                .addField(field("file_version", 3, FieldDescriptorProto.Type.TYPE_STRING).setOneofIndex(0))
                .addField(field("summary", 5, FieldDescriptorProto.Type.TYPE_MESSAGE)
                        .setTypeName("." + Summary.getDescriptor().getFullName()).setOneofIndex(0))
                .build();
        FileDescriptorProto file = FileDescriptorProto.newBuilder().setName("synergy/tensorboard/event.proto")
                .setPackage("tensorflow").setSyntax("proto3").addDependency(summaryFile.getName())
                .addMessageType(event).build();
        try {
            return Descriptors.FileDescriptor.buildFrom(file, new Descriptors.FileDescriptor[] {summaryFile})
                    .findMessageTypeByName("Event");
        } catch (Descriptors.DescriptorValidationException e) {
            throw new IllegalStateException("tensorflow.Event descriptor: " + e.getMessage(), e);
        }
    }

    private static FieldDescriptorProto.Builder field(String name, int number, FieldDescriptorProto.Type type) {
        return FieldDescriptorProto.newBuilder().setName(name).setNumber(number).setType(type)
                .setLabel(FieldDescriptorProto.Label.LABEL_OPTIONAL);
    }
}
