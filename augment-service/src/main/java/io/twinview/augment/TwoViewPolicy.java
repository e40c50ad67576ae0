package io.twinview.augment;

import java.util.Objects;

/** A resolved augmentation recipe: its name and the policy of each of the two views. */
public record TwoViewPolicy(String name, ViewParams view1, ViewParams view2) {

    public TwoViewPolicy {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(view1, "view1");
        Objects.requireNonNull(view2, "view2");
    }
}
