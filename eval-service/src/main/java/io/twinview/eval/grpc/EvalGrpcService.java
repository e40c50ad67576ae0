package io.twinview.eval.grpc;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import io.twinview.core.paging.InvalidPageException;
import io.twinview.core.paging.Pages;
import io.twinview.eval.service.EvalNotFoundException;
import io.twinview.eval.service.EvaluationService;
import io.twinview.eval.service.InvalidEvalRequestException;
import io.twinview.proto.v1.EvalReport;
import io.twinview.proto.v1.EvalServiceGrpc;
import io.twinview.proto.v1.EvaluateRequest;
import io.twinview.proto.v1.GetReportRequest;
import io.twinview.proto.v1.ListReportsRequest;
import io.twinview.proto.v1.ListReportsResponse;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/**
 * EvalService over gRPC. Errors become status codes whose description says what to fix:
 * NOT_FOUND (no such run, checkpoint or report), INVALID_ARGUMENT (a field that cannot be served,
 * e.g. an unreadable or empty evaluation set), INTERNAL (anything else; logged).
 */
@GrpcService
public class EvalGrpcService extends EvalServiceGrpc.EvalServiceImplBase {

    private static final Logger LOG = Logger.getLogger(EvalGrpcService.class);

    @Inject
    EvaluationService evaluations;

    @Override
    @Blocking
    public void evaluate(EvaluateRequest request, StreamObserver<EvalReport> response) {
        try {
            response.onNext(evaluations.evaluate(request));
            response.onCompleted();
        } catch (RuntimeException e) {
            response.onError(status(e, "Evaluate " + request.getRunId() + " step " + request.getStep()));
        }
    }

    @Override
    @Blocking
    public void getReport(GetReportRequest request, StreamObserver<EvalReport> response) {
        try {
            response.onNext(evaluations.report(request.getReportId()));
            response.onCompleted();
        } catch (RuntimeException e) {
            response.onError(status(e, "GetReport " + request.getReportId()));
        }
    }

    @Override
    @Blocking
    public void listReports(ListReportsRequest request, StreamObserver<ListReportsResponse> response) {
        try {
            Pages.Page<EvalReport> page =
                    evaluations.reports(request.getRunId(), request.getPageSize(), request.getPageToken());
            response.onNext(ListReportsResponse.newBuilder()
                    .addAllReports(page.items())
                    .setNextPageToken(page.nextPageToken())
                    .build());
            response.onCompleted();
        } catch (RuntimeException e) {
            response.onError(status(e, "ListReports " + request.getRunId()));
        }
    }

    static RuntimeException status(RuntimeException e, String call) {
        if (e instanceof InvalidEvalRequestException || e instanceof InvalidPageException) {
            return Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
        }
        if (e instanceof EvalNotFoundException) {
            return Status.NOT_FOUND.withDescription(e.getMessage()).asRuntimeException();
        }
        LOG.errorf(e, "%s failed", call);
        String message = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
        return Status.INTERNAL
                .withDescription(message + " (details in the eval-service log)")
                .asRuntimeException();
    }
}
