package ai.synergy.spark;

import org.apache.spark.TaskContext;
import org.apache.spark.TaskContext$;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The compute threads' contract, on real threads: work handed over one call after another runs on one thread (and one
 * ND4J workspace) whichever thread hands it over; k calls at once get k threads and never more; what the work throws
 * reaches the caller unchanged; the caller's task context and class loader travel with the work; a thread serves one
 * GPU; an idle thread ends and frees its workspaces. Waits are bounded (30 s) and only wait for events that happen by
 * construction.
 */
class ComputeThreadsTest {
    private static final long WAIT_SECONDS = 30;
    private static final WorkspaceConfiguration WORKSPACE = WorkspaceConfiguration.builder()
            .initialSize(1 << 20).policyAllocation(AllocationPolicy.STRICT).policyLearning(LearningPolicy.NONE).build();

    private final ComputeThreads pool = new ComputeThreads("test-compute", Duration.ofMinutes(5));

    @Test
    void callsHandedOverFromManyThreadsOneAfterAnotherShareOneThreadAndOneWorkspace() throws Exception {
        Set<Thread> ran = new HashSet<>();
        Set<MemoryWorkspace> workspaces = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            // a fresh caller thread every time, as Spark may give every task a different thread of its pool
            AtomicReference<Object[]> seen = new AtomicReference<>();
            Thread caller = new Thread(() -> seen.set(pool.runUnchecked(() -> new Object[]{Thread.currentThread(),
                    useWorkspace()})));
            caller.start();
            caller.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
            ran.add((Thread) seen.get()[0]);
            workspaces.add((MemoryWorkspace) seen.get()[1]);
        }
        assertThat(ran).hasSize(1);
        assertThat(ran.iterator().next().getName()).isEqualTo("test-compute-1");
        assertThat(workspaces).hasSize(1);
        assertThat(pool.started()).isEqualTo(1);
    }

    @Test
    void callsInFlightTogetherGetOneThreadEachAndNoMore() throws Exception {
        int callers = 3;
        CyclicBarrier allInFlight = new CyclicBarrier(callers);
        List<Thread> threads = new ArrayList<>();
        Set<Thread> ran = java.util.concurrent.ConcurrentHashMap.newKeySet();
        for (int i = 0; i < callers; i++) {
            Thread caller = new Thread(() -> ran.add(pool.runUnchecked(() -> {
                try {
                    allInFlight.await(WAIT_SECONDS, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                return Thread.currentThread();
            })));
            caller.start();
            threads.add(caller);
        }
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
        }
        assertThat(ran).hasSize(callers);
        for (int i = 0; i < 10; i++) {
            assertThat(ran).contains(pool.run(Thread::currentThread));
        }
        assertThat(pool.started()).isEqualTo(callers);
    }

    @Test
    void whatTheWorkThrowsReachesTheCallerUnchangedAndTheThreadServesTheNextCall() throws Exception {
        IllegalArgumentException unchecked = new IllegalArgumentException("bad shape");
        IOException checked = new IOException("shard gone");
        AssertionError error = new AssertionError("broken");
        assertThatThrownBy(() -> pool.runUnchecked(() -> {
            throw unchecked;
        })).isSameAs(unchecked);
        assertThatThrownBy(() -> pool.run(() -> {
            throw checked;
        })).isSameAs(checked);
        assertThatThrownBy(() -> pool.run(() -> {
            throw error;
        })).isSameAs(error);
        assertThat(pool.run(() -> Thread.currentThread().getName())).isEqualTo("test-compute-1");
        assertThat(pool.started()).isEqualTo(1);
    }

    @Test
    void aThreadServesTheTasksOfOneGpuOnly() throws Exception {
        Thread gpu0 = pool.run(Thread::currentThread, 0);
        Thread gpu1 = pool.run(Thread::currentThread, 1);
        Thread none = pool.run(Thread::currentThread, ComputeThreads.NO_GPU);
        assertThat(Set.of(gpu0, gpu1, none)).hasSize(3);
        assertThat(pool.run(Thread::currentThread, 0)).isSameAs(gpu0);
        assertThat(pool.run(Thread::currentThread, 1)).isSameAs(gpu1);
        assertThat(pool.run(Thread::currentThread)).as("outside a task: no GPU").isSameAs(none);
        assertThat(pool.started()).isEqualTo(3);
    }

    @Test
    void aCallFromAComputeThreadRunsInline() throws Exception {
        Thread[] outerAndInner = pool.run(() -> new Thread[]{Thread.currentThread(),
                pool.run(Thread::currentThread)});
        assertThat(outerAndInner[1]).isSameAs(outerAndInner[0]);
        assertThat(pool.started()).isEqualTo(1);
    }

    @Test
    void theCallersTaskContextAndClassLoaderTravelWithTheWorkAndStayBehind() throws Exception {
        TaskContext task = TaskContext$.MODULE$.empty();
        ClassLoader loader = new URLClassLoader(new URL[0], getClass().getClassLoader());
        Thread me = Thread.currentThread();
        ClassLoader before = me.getContextClassLoader();
        TaskContext$.MODULE$.setTaskContext(task);
        me.setContextClassLoader(loader);
        Object[] seen;
        try {
            seen = pool.run(() -> new Object[]{TaskContext.get(), Thread.currentThread().getContextClassLoader()});
        } finally {
            TaskContext$.MODULE$.unset();
            me.setContextClassLoader(before);
        }
        assertThat(seen[0]).isSameAs(task);
        assertThat(seen[1]).isSameAs(loader);
        Object[] after = pool.run(() -> new Object[]{TaskContext.get(),
                Thread.currentThread().getContextClassLoader()});
        assertThat(after[0]).isNull();
        assertThat(after[1]).isSameAs(before);
        Thread thread = pool.run(Thread::currentThread);
        assertThat(thread.getContextClassLoader()).as("while idle").isSameAs(ComputeThreads.class.getClassLoader());
    }

    @Test
    void anIdleThreadEndsAndFreesItsWorkspacesAndTheNextCallStartsAnother() throws Exception {
        ComputeThreads quick = new ComputeThreads("quick-compute", Duration.ofMillis(100));
        Object[] first = quick.run(() -> new Object[]{Thread.currentThread(), useWorkspace()});
        Thread thread = (Thread) first[0];
        MemoryWorkspace workspace = (MemoryWorkspace) first[1];
        assertThat(workspace.getCurrentSize()).isGreaterThan(0);
        thread.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
        assertThat(thread.isAlive()).isFalse();
        assertThat(workspace.getCurrentSize()).isZero();
        assertThat(quick.run(Thread::currentThread)).isNotSameAs(thread);
        assertThat(quick.started()).isEqualTo(2);
    }

    @Test
    void anInterruptedCallerReturnsAtOnceAndTheThreadComesBackWhenItsWorkEnds() throws Exception {
        CountDownLatch working = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<Throwable> callerGot = new AtomicReference<>();
        Thread caller = new Thread(() -> {
            try {
                pool.run(() -> {
                    working.countDown();
                    return release.await(WAIT_SECONDS, TimeUnit.SECONDS);
                });
            } catch (Throwable t) {
                callerGot.set(t);
            }
        });
        caller.start();
        assertThat(working.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
        caller.interrupt();
        caller.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
        assertThat(callerGot.get()).isInstanceOf(InterruptedException.class);
        assertThat(pool.idleThreads()).isZero();   // still running the handed-over work
        release.countDown();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (pool.idleThreads() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(pool.run(() -> Thread.currentThread().getName())).isEqualTo("test-compute-1");
        assertThat(pool.started()).isEqualTo(1);
    }

    /** Allocates in a named workspace of the calling thread and returns that workspace. */
    private static MemoryWorkspace useWorkspace() {
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WORKSPACE, "compute-test")) {
            Nd4j.create(DataType.FLOAT, 1000).addi(1);
            return ws;
        }
    }
}
