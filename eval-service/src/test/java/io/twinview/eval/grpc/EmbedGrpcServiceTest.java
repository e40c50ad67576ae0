package io.twinview.eval.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.twinview.core.config.StorageConfig;
import io.twinview.core.data.Datasets;
import io.twinview.core.data.ImageDataset;
import io.twinview.core.grpc.BearerToken;
import io.twinview.eval.TestCheckpoints;
import io.twinview.eval.TestPixels;
import io.twinview.eval.probe.FeatureExtractor;
import io.twinview.eval.probe.Features;
import io.twinview.model.BlockParameters;
import io.twinview.model.EncoderKind;
import io.twinview.model.Encoders;
import io.twinview.proto.v1.EmbedImage;
import io.twinview.proto.v1.EmbedRequest;
import io.twinview.proto.v1.EmbedResponse;
import io.twinview.proto.v1.EmbedServiceGrpc;
import io.twinview.proto.v1.PixelLayout;
import io.twinview.proto.v1.RawImage;
import io.twinview.proto.v1.RunSpec;
import io.twinview.stack.quarkus.LocalStackTestResource;
import jakarta.inject.Inject;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** EmbedService over a real gRPC server on loopback, checkpoints on a real S3 endpoint (LocalStack). */
@QuarkusTest
@QuarkusTestResource(LocalStackTestResource.class)
class EmbedGrpcServiceTest {

    private static final String RUN = TestCheckpoints.runId("embed");
    private static final long STEP = 30;
    private static final int N = 12;
    /** The reader token of the test profile (src/test/resources/grpc-test-tokens): Embed is a reader RPC. */
    private static final BearerToken READER = new BearerToken("test-reader-token-0123456789");

    private static boolean written;

    @GrpcClient("embed")
    EmbedServiceGrpc.EmbedServiceBlockingStub client;

    @GrpcClient("embed")
    io.grpc.Channel channel;

    @Inject
    StorageConfig storage;

    @BeforeEach
    void writeCheckpoint() {
        synchronized (EmbedGrpcServiceTest.class) {
            if (!written) {
                RunSpec spec = TestCheckpoints.spec();
                TestCheckpoints.write(storage.settings(), RUN, 10, spec, TestCheckpoints.initialEncoder(spec));
                TestCheckpoints.write(storage.settings(), RUN, STEP, spec, TestCheckpoints.initialEncoder(spec));
                written = true;
            }
        }
    }

    private EmbedServiceGrpc.EmbedServiceBlockingStub embed() {
        return client.withCallCredentials(READER).withDeadlineAfter(2, TimeUnit.MINUTES);
    }

    @Test
    void embeddingsAreTheProbesFeaturesOfTheSameImages() throws IOException {
        ImageDataset data = Datasets.open(TestCheckpoints.TEST_URI);
        float[][] expected = probeFeatures(data);
        EmbedRequest.Builder request = EmbedRequest.newBuilder().setRunId(RUN);
        for (int i = 0; i < N; i++) {
            byte[] hwc = new byte[data.imageBytes()];
            data.readImage(i, hwc, 0);
            request.addImages(
                    i % 3 == 0
                            ? EmbedImage.newBuilder()
                                    .setEncoded(ByteString.copyFrom(TestPixels.png(hwc, 32, 32)))
                                    .build()
                            : i % 3 == 1
                                    ? raw(hwc, PixelLayout.PIXEL_LAYOUT_HWC)
                                    : raw(TestPixels.chw(hwc), PixelLayout.PIXEL_LAYOUT_CHW));
        }

        EmbedResponse response = embed().embed(request.build());

        assertEquals(STEP, response.getStep(), "step 0 means the newest checkpoint (30, not 10)");
        assertEquals("small", response.getEncoder(), "the run's encoder");
        assertEquals(256, response.getDim(), "small encoder features");
        assertEquals(N, response.getEmbeddingsCount(), "one embedding per image");
        for (int i = 0; i < N; i++) {
            List<Float> got = response.getEmbeddings(i).getValuesList();
            for (int j = 0; j < expected[i].length; j++) {
                assertEquals(
                        expected[i][j],
                        got.get(j),
                        1e-5,
                        "image " + i + " (PNG, raw HWC or raw CHW) embeds to the probes' feature " + j);
            }
        }
    }

    @Test
    void embedStreamAnswersEveryMessageInOrder() throws Exception {
        ImageDataset data = Datasets.open(TestCheckpoints.TEST_URI);
        List<EmbedResponse> responses = new ArrayList<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        StreamObserver<EmbedRequest> requests = EmbedServiceGrpc.newStub(channel)
                .withCallCredentials(READER)
                .embedStream(new StreamObserver<>() {
                    @Override
                    public void onNext(EmbedResponse value) {
                        responses.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        done.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        done.complete(null);
                    }
                });
        for (int m = 1; m <= 3; m++) {
            EmbedRequest.Builder request =
                    EmbedRequest.newBuilder().setRunId(RUN).setStep(10);
            for (int i = 0; i < m; i++) {
                byte[] hwc = new byte[data.imageBytes()];
                data.readImage(i, hwc, 0);
                request.addImages(raw(hwc, PixelLayout.PIXEL_LAYOUT_HWC));
            }
            requests.onNext(request.build());
        }
        requests.onCompleted();
        done.get(2, TimeUnit.MINUTES);

        assertEquals(3, responses.size(), "one response per request message");
        for (int m = 1; m <= 3; m++) {
            assertEquals(m, responses.get(m - 1).getEmbeddingsCount(), "responses in the order of the requests");
            assertEquals(10, responses.get(m - 1).getStep(), "the step asked for");
        }
    }

    @Test
    void aBadImageIsNamedByIndexAndTheServiceKeepsServing() {
        byte[] good = new byte[32 * 32 * 3];
        EmbedRequest bad = EmbedRequest.newBuilder()
                .setRunId(RUN)
                .addImages(raw(good, PixelLayout.PIXEL_LAYOUT_HWC))
                .addImages(raw(good, PixelLayout.PIXEL_LAYOUT_HWC))
                .addImages(EmbedImage.newBuilder().setEncoded(ByteString.copyFromUtf8("not an image")))
                .build();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> embed().embed(bad));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), "a bad image is the caller's error");
        assertTrue(
                e.getStatus().getDescription().contains("images[2]")
                        && e.getStatus().getDescription().contains("not a PNG or JPEG"),
                "the message names the image index and the reason: "
                        + e.getStatus().getDescription());

        EmbedRequest wrongShape = EmbedRequest.newBuilder()
                .setRunId(RUN)
                .addImages(EmbedImage.newBuilder()
                        .setRaw(RawImage.newBuilder()
                                .setData(ByteString.copyFrom(new byte[100]))
                                .setHeight(32)
                                .setWidth(32)))
                .build();
        StatusRuntimeException shape = assertThrows(StatusRuntimeException.class, () -> embed().embed(wrongShape));
        assertTrue(
                shape.getStatus().getDescription().contains("images[0]")
                        && shape.getStatus().getDescription().contains("needs 3072 bytes but has 100"),
                "raw pixels that do not fit their shape are named: "
                        + shape.getStatus().getDescription());

        EmbedResponse after = embed().embed(EmbedRequest.newBuilder()
                .setRunId(RUN)
                .addImages(raw(good, PixelLayout.PIXEL_LAYOUT_HWC))
                .build());
        assertEquals(1, after.getEmbeddingsCount(), "the service keeps serving after bad requests");
    }

    @Test
    void tooManyImagesAreRefused() {
        EmbedRequest.Builder request = EmbedRequest.newBuilder().setRunId(RUN);
        for (int i = 0; i < 513; i++) {
            request.addImages(EmbedImage.newBuilder().setEncoded(ByteString.copyFrom(new byte[1])));
        }
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> embed().embed(request.build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), "oversize requests are refused");
        assertTrue(
                e.getStatus().getDescription().contains("513 images; at most 512"),
                "the message says the count and the limit: " + e.getStatus().getDescription());
    }

    @Test
    void unknownRunsAndStepsAreNotFound() {
        byte[] good = new byte[32 * 32 * 3];
        StatusRuntimeException run = assertThrows(
                StatusRuntimeException.class,
                () -> embed().embed(EmbedRequest.newBuilder()
                        .setRunId("no-such-run")
                        .addImages(raw(good, PixelLayout.PIXEL_LAYOUT_HWC))
                        .build()));
        assertEquals(Status.Code.NOT_FOUND, run.getStatus().getCode(), "an unknown run: " + run.getStatus());
        StatusRuntimeException step = assertThrows(
                StatusRuntimeException.class,
                () -> embed().embed(EmbedRequest.newBuilder()
                        .setRunId(RUN)
                        .setStep(11)
                        .addImages(raw(good, PixelLayout.PIXEL_LAYOUT_HWC))
                        .build()));
        assertEquals(Status.Code.NOT_FOUND, step.getStatus().getCode(), "an unknown step: " + step.getStatus());
        assertTrue(
                step.getStatus().getDescription().contains("[30, 10]"),
                "the message lists the steps there are: " + step.getStatus().getDescription());
    }

    /** What the k-NN and linear probes see for the first N images: FeatureExtractor on the run's encoder. */
    private static float[][] probeFeatures(ImageDataset data) {
        RunSpec spec = TestCheckpoints.spec();
        try (NDManager manager = NDManager.newBaseManager()) {
            Block encoder = Encoders.create(EncoderKind.stored(spec.getEncoder()), spec.getSeed(), 32, manager);
            BlockParameters.load(encoder, TestCheckpoints.initialEncoder(spec), manager);
            Features features = new FeatureExtractor().extract(encoder, data, data.height(), manager);
            return features.values();
        }
    }

    private static EmbedImage raw(byte[] pixels, PixelLayout layout) {
        return EmbedImage.newBuilder()
                .setRaw(RawImage.newBuilder()
                        .setData(ByteString.copyFrom(pixels))
                        .setHeight(32)
                        .setWidth(32)
                        .setChannels(3)
                        .setLayout(layout))
                .build();
    }
}
