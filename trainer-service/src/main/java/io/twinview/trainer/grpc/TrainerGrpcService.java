package io.twinview.trainer.grpc;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import io.twinview.core.paging.InvalidPageException;
import io.twinview.core.paging.Pages;
import io.twinview.proto.v1.CancelRunRequest;
import io.twinview.proto.v1.GetRunRequest;
import io.twinview.proto.v1.ListRunsRequest;
import io.twinview.proto.v1.ListRunsResponse;
import io.twinview.proto.v1.Run;
import io.twinview.proto.v1.RunProgress;
import io.twinview.proto.v1.RunState;
import io.twinview.proto.v1.StartRunRequest;
import io.twinview.proto.v1.TrainerServiceGrpc;
import io.twinview.proto.v1.WatchRunRequest;
import io.twinview.trainer.run.InvalidRunSpecException;
import io.twinview.trainer.service.RunEndedException;
import io.twinview.trainer.service.RunManager;
import io.twinview.trainer.service.TrainerBusyException;
import io.twinview.trainer.service.UnknownRunException;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/** TrainerService over gRPC; domain errors become status codes whose description says what to fix. */
@GrpcService
public class TrainerGrpcService extends TrainerServiceGrpc.TrainerServiceImplBase {

    private static final Logger LOG = Logger.getLogger(TrainerGrpcService.class);

    @Inject
    RunManager runs;

    @Override
    @Blocking
    public void startRun(StartRunRequest request, StreamObserver<Run> response) {
        try {
            response.onNext(runs.start(request));
            response.onCompleted();
        } catch (RuntimeException e) {
            response.onError(status(e));
        }
    }

    @Override
    @Blocking
    public void getRun(GetRunRequest request, StreamObserver<Run> response) {
        try {
            response.onNext(runs.get(request.getRunId()));
            response.onCompleted();
        } catch (RuntimeException e) {
            response.onError(status(e));
        }
    }

    @Override
    @Blocking
    public void listRuns(ListRunsRequest request, StreamObserver<ListRunsResponse> response) {
        try {
            Pages.Page<Run> page = runs.list(request.getPageSize(), request.getPageToken(), request.getStatesList());
            response.onNext(ListRunsResponse.newBuilder()
                    .addAllRuns(page.items())
                    .setNextPageToken(page.nextPageToken())
                    .build());
            response.onCompleted();
        } catch (RuntimeException e) {
            response.onError(status(e));
        }
    }

    @Override
    @Blocking
    public void cancelRun(CancelRunRequest request, StreamObserver<Run> response) {
        try {
            response.onNext(runs.cancel(request.getRunId()));
            response.onCompleted();
        } catch (RuntimeException e) {
            response.onError(status(e));
        }
    }

    @Override
    @Blocking
    public void watchRun(WatchRunRequest request, StreamObserver<RunProgress> response) {
        ServerCallStreamObserver<RunProgress> call = (ServerCallStreamObserver<RunProgress>) response;
        Object lock = new Object();
        try {
            AutoCloseable subscription = runs.watch(request.getRunId(), progress -> {
                synchronized (lock) {
                    if (call.isCancelled()) {
                        return;
                    }
                    call.onNext(progress);
                    if (terminal(progress.getState())) {
                        call.onCompleted();
                    }
                }
            });
            call.setOnCancelHandler(() -> close(subscription));
        } catch (RuntimeException e) {
            response.onError(status(e));
        }
    }

    private static boolean terminal(RunState state) {
        return state == RunState.RUN_STATE_SUCCEEDED
                || state == RunState.RUN_STATE_FAILED
                || state == RunState.RUN_STATE_STOPPED
                || state == RunState.RUN_STATE_CANCELLED;
    }

    private static void close(AutoCloseable subscription) {
        try {
            subscription.close();
        } catch (Exception e) {
            LOG.debug("closing a watch subscription failed", e);
        }
    }

    static RuntimeException status(RuntimeException e) {
        Status status;
        if (e instanceof InvalidRunSpecException || e instanceof InvalidPageException) {
            status = Status.INVALID_ARGUMENT;
        } else if (e instanceof UnknownRunException) {
            status = Status.NOT_FOUND;
        } else if (e instanceof TrainerBusyException || e instanceof RunEndedException) {
            status = Status.FAILED_PRECONDITION;
        } else {
            LOG.error("TrainerService call failed", e);
            status = Status.INTERNAL;
        }
        return status.withDescription(e.getMessage()).asRuntimeException();
    }
}
