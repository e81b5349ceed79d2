package ai.synergy.spark;

import org.apache.spark.TaskContext;
import org.apache.spark.TaskContext$;
import org.nd4j.linalg.factory.Nd4j;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Executor side: runs the tasks' ND4J work on long-lived threads of this JVM, as many as tasks run such work at the
 * same time, so that what ND4J keeps per thread exists once per concurrent task and not once per Spark thread.
 *
 * <p>ND4J's per-thread state is large: DL4J's workspaces (ResNet-20 on 28x28 images, 64 per minibatch: 212 MB; a
 * ResNet-50 at 224: gigabytes), the oneDNN helper's scratch block, OpenMP's thread team, a malloc arena. Spark runs
 * each task on a thread of its cached pool without saying which: a task launched before the previous task's thread is
 * back in the pool gets another thread, which builds all of it a second time, and the first set stays until its
 * thread has idled for a minute. On the loopback cluster that showed as executors stepping up by 0.5-0.8 GB at random
 * epochs. A compute thread puts itself back on the idle stack <em>before</em> its caller sees the result, and a call
 * takes the most recently idle thread, so a JVM that runs k tasks at a time uses k compute threads, by construction.
 *
 * <p>The caller's Spark {@link TaskContext} (partition number, task cores, assigned GPU) and context class loader go
 * with the work, and {@link ExecutorSetup#forCurrentTask()} runs on the compute thread before the first work of each
 * task. A compute thread serves the tasks of one GPU only (on CUDA, workspaces live on the device of the thread that
 * made them). Calls from a compute thread run inline. A compute thread idle for {@link #IDLE_RETIREMENT} ends and
 * frees its workspaces. A caller interrupted while waiting (a killed task) returns at once; the work it handed over
 * runs to its end (ND4J's kernels cannot be interrupted), so hand over steps (a minibatch, a shard's evaluation), not
 * whole jobs.
 */
public final class ComputeThreads {
    /** How long a compute thread waits for work before it ends and frees its workspaces. */
    public static final Duration IDLE_RETIREMENT = Duration.ofMinutes(5);

    /** The GPU of work from a task that has none (the CPU backend, or no GPU scheduling). */
    static final int NO_GPU = -1;
    /** The task attempt of work from outside a Spark task. */
    private static final long NO_TASK = -1;

    private static final ComputeThreads JVM = new ComputeThreads("synergy-compute", IDLE_RETIREMENT);

    private final String name;
    private final long idleNanos;
    private final AtomicLong started = new AtomicLong();
    /** Idle threads, the most recently idle first; guarded by {@code this}. */
    private final Deque<Worker> idle = new ArrayDeque<>();

    ComputeThreads(String name, Duration idleRetirement) {
        this.name = name;
        this.idleNanos = idleRetirement.toNanos();
    }

    /** Runs {@code work} on one of this JVM's compute threads and returns what it returns or throws. */
    public static <T> T get(Supplier<T> work) {
        return JVM.runUnchecked(work);
    }

    /** Compute threads this JVM has started so far (for tests, logs and the executor-memory bench). */
    public static long threadsStarted() {
        return JVM.started();
    }

    long started() {
        return started.get();
    }

    /** Compute threads waiting for work now. */
    synchronized int idleThreads() {
        return idle.size();
    }

    <T> T runUnchecked(Supplier<T> work) {
        try {
            return run(work::get);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for ND4J work on a compute thread", e);
        } catch (Exception e) {
            throw new IllegalStateException(e);   // a Supplier throws no checked exception
        }
    }

    <T> T run(Callable<T> work) throws Exception {
        return run(work, ExecutorSetup.assignedGpu(TaskContext.get()).orElse(NO_GPU));
    }

    /** {@link #run(Callable)} on a thread that has only ever run work for GPU {@code gpu} ({@link #NO_GPU}: none). */
    <T> T run(Callable<T> work, int gpu) throws Exception {
        if (Thread.currentThread() instanceof Worker worker && worker.pool() == this) {
            return work.call();
        }
        TaskContext task = TaskContext.get();
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        CompletableFuture<T> result = new CompletableFuture<>();
        Worker worker = take(gpu);
        try {
            worker.jobs.put(() -> runOn(worker, task, loader, work, result));
        } catch (InterruptedException e) {
            giveBack(worker);   // it never got the work
            throw e;
        }
        try {
            return result.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception exception) {
                throw exception;
            }
            throw (Error) cause;
        }
    }

    /** On {@code worker}: the work in the caller's context, then back to idle, then the caller's result. */
    private <T> void runOn(Worker worker, TaskContext task, ClassLoader loader, Callable<T> work,
                           CompletableFuture<T> result) {
        T value = null;
        Throwable failure = null;
        try {
            worker.setContextClassLoader(loader);
            if (task != null) {
                TaskContext$.MODULE$.setTaskContext(task);
            }
            long attempt = task == null ? NO_TASK : task.taskAttemptId();
            if (attempt != worker.setUpFor) {   // once per task, not per minibatch
                ExecutorSetup.forCurrentTask();
                worker.setUpFor = attempt;
            }
            value = work.call();
        } catch (Throwable t) {
            failure = t;
        } finally {
            TaskContext$.MODULE$.unset();
            worker.setContextClassLoader(ComputeThreads.class.getClassLoader());   // hold no task's loader while idle
            giveBack(worker);
        }
        if (failure == null) {
            result.complete(value);
        } else {
            result.completeExceptionally(failure);
        }
    }

    /** The most recently idle thread of {@code gpu}, or a new one. */
    private synchronized Worker take(int gpu) {
        for (Iterator<Worker> it = idle.iterator(); it.hasNext(); ) {
            Worker worker = it.next();
            if (worker.gpu == gpu) {
                it.remove();
                return worker;
            }
        }
        Worker worker = new Worker(started.incrementAndGet(), gpu);
        worker.start();
        return worker;
    }

    private synchronized void giveBack(Worker worker) {
        idle.addFirst(worker);
    }

    /** True when {@code worker} was idle and is now out of the stack (no caller can hand it work any more). */
    private synchronized boolean retire(Worker worker) {
        return idle.remove(worker);
    }

    /** A compute thread: takes work handed to it until it has been idle for the retirement time. */
    private final class Worker extends Thread {
        private final SynchronousQueue<Runnable> jobs = new SynchronousQueue<>();
        private final int gpu;
        /** The task attempt this thread last ran {@link ExecutorSetup#forCurrentTask()} for; only it touches this. */
        private long setUpFor = Long.MIN_VALUE;

        Worker(long number, int gpu) {
            super(name + "-" + number);
            this.gpu = gpu;
            setDaemon(true);
            setContextClassLoader(ComputeThreads.class.getClassLoader());
        }

        ComputeThreads pool() {
            return ComputeThreads.this;
        }

        @Override
        public void run() {
            try {
                while (true) {
                    Runnable job;
                    try {
                        job = jobs.poll(idleNanos, TimeUnit.NANOSECONDS);
                    } catch (InterruptedException e) {
                        job = null;   // nobody interrupts a compute thread on purpose: treat it as an idle timeout
                    }
                    if (job != null) {
                        job.run();
                    } else if (retire(this)) {
                        return;
                    }
                }
            } finally {
                Nd4j.getWorkspaceManager().destroyAllWorkspacesForCurrentThread();
            }
        }
    }
}
