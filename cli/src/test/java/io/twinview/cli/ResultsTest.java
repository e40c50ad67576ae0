package io.twinview.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.twinview.proto.v1.EvalReport;
import io.twinview.proto.v1.Run;
import io.twinview.proto.v1.RunProgress;
import io.twinview.proto.v1.RunState;
import org.junit.jupiter.api.Test;

class ResultsTest {

    @Test
    void theDemoJsonCarriesTheInputWaitFractionTheTrainerSent() {
        RunProgress last = RunProgress.newBuilder()
                .setState(RunState.RUN_STATE_SUCCEEDED)
                .setStep(8)
                .setInputWaitFraction(0.31234)
                .build();
        Training.Result result =
                new Training.Result(Run.newBuilder().setRunId("r").build(), last, 120.0);

        JsonObject json = JsonParser.parseString(Results.json(result, EvalReport.getDefaultInstance(), "s3://b/k")
                        .toString())
                .getAsJsonObject();

        assertEquals(0.3123, json.get("input_wait_fraction").getAsDouble(), 1e-12, "a fraction, to 4 decimals");
    }
}
