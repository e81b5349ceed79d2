package ai.synergy.prediction;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Function;

/**
 * Executor side: a partition's elements mapped a minibatch at a time, lazily, so that a task holds one minibatch of
 * images at once however large its partition is.
 */
final class Batches {
    private Batches() {
    }

    /** {@code in} in groups of {@code size} (the last may be smaller), each mapped by {@code map}, results in order. */
    static <I, O> Iterator<O> map(Iterator<I> in, int size, Function<List<I>, List<O>> map) {
        return new Iterator<>() {
            private Iterator<O> current = Collections.emptyIterator();

            @Override
            public boolean hasNext() {
                while (!current.hasNext() && in.hasNext()) {
                    List<I> batch = new ArrayList<>(size);
                    while (batch.size() < size && in.hasNext()) {
                        batch.add(in.next());
                    }
                    current = map.apply(batch).iterator();
                }
                return current.hasNext();
            }

            @Override
            public O next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return current.next();
            }
        };
    }
}
