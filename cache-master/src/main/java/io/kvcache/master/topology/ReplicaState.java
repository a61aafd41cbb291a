package io.kvcache.master.topology;

/** Whether the master can use a replica: UP while its enrollment connection lives and beats. */
public enum ReplicaState {
    UP,
    DOWN
}
