package io.twinview.eval.grpc;

import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import io.twinview.eval.embed.EmbeddingService;
import io.twinview.eval.embed.ImageInput;
import io.twinview.proto.v1.EmbedImage;
import io.twinview.proto.v1.EmbedRequest;
import io.twinview.proto.v1.EmbedResponse;
import io.twinview.proto.v1.EmbedServiceGrpc;
import io.twinview.proto.v1.Embedding;
import io.twinview.proto.v1.PixelLayout;
import io.twinview.proto.v1.RawImage;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * EmbedService over gRPC: INVALID_ARGUMENT names the field and, for an image, its index and what is
 * wrong with it; NOT_FOUND an unknown run or step. A bad request fails alone: the service keeps
 * serving. EmbedStream answers each request message in order and stops at the first bad one.
 */
@GrpcService
public class EmbedGrpcService extends EmbedServiceGrpc.EmbedServiceImplBase {

    @Inject
    EmbeddingService embeddings;

    @Override
    @Blocking
    public void embed(EmbedRequest request, StreamObserver<EmbedResponse> response) {
        try {
            response.onNext(call(request));
            response.onCompleted();
        } catch (RuntimeException e) {
            response.onError(EvalGrpcService.status(e, "Embed " + request.getRunId()));
        }
    }

    /** {@code @Blocking}: Quarkus delivers every message of the stream on a worker thread, in order. */
    @Override
    @Blocking
    public StreamObserver<EmbedRequest> embedStream(StreamObserver<EmbedResponse> response) {
        return new StreamObserver<>() {
            private boolean failed;

            @Override
            public void onNext(EmbedRequest request) {
                if (failed) {
                    return;
                }
                try {
                    response.onNext(call(request));
                } catch (RuntimeException e) {
                    failed = true;
                    response.onError(EvalGrpcService.status(e, "EmbedStream " + request.getRunId()));
                }
            }

            @Override
            public void onError(Throwable t) {
                failed = true;
            }

            @Override
            public void onCompleted() {
                if (!failed) {
                    response.onCompleted();
                }
            }
        };
    }

    private EmbedResponse call(EmbedRequest request) {
        List<ImageInput> images = new ArrayList<>(request.getImagesCount());
        for (EmbedImage image : request.getImagesList()) {
            images.add(toDomain(image));
        }
        EmbeddingService.Embedded embedded;
        try {
            embedded = embeddings
                    .submit(request.getRunId(), request.getStep(), request.getBest(), images)
                    .get();
        } catch (ExecutionException | CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while embedding", e);
        }
        EmbedResponse.Builder out = EmbedResponse.newBuilder()
                .setRunId(embedded.encoder().runId())
                .setStep(embedded.encoder().step())
                .setEncoder(embedded.encoder().encoder().key())
                .setDim(embedded.dim())
                .setForwardBatch(embedded.forwardBatch());
        for (float[] row : embedded.rows()) {
            Embedding.Builder e = Embedding.newBuilder();
            for (float v : row) {
                e.addValues(v);
            }
            out.addEmbeddings(e);
        }
        return out.build();
    }

    static ImageInput toDomain(EmbedImage image) {
        if (image.hasRaw()) {
            RawImage raw = image.getRaw();
            return ImageInput.raw(
                    raw.getData().toByteArray(),
                    raw.getHeight(),
                    raw.getWidth(),
                    raw.getChannels(),
                    raw.getLayout() == PixelLayout.PIXEL_LAYOUT_CHW);
        }
        return ImageInput.encoded(image.getEncoded().toByteArray());
    }
}
