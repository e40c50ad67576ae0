package io.twinview.k8s;

import java.util.List;

/** One concern of the validation (typed models, Pod Security, probes, ...), over a whole rendering. */
public interface Check {

    List<Violation> check(Manifests manifests);
}
