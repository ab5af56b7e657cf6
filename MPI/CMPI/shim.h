// SPDX-License-Identifier: GPL-3.0-or-later
// The few MPI calls langevin-mpi makes, as plain C functions over MPI_COMM_WORLD (whose handle is a macro Swift
// cannot import). Every wait polls with a short sleep instead of spinning, so a rank that waits leaves its core to
// the ranks that compute.
#ifndef LANGEVIN_CMPI_SHIM_H
#define LANGEVIN_CMPI_SHIM_H
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sched.h>
#include <mpi.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/// Waits for `request`, sleeping 50 µs between polls.
static inline int lmpi_wait_politely(MPI_Request *request) {
    int done = 0;
    struct timespec pause = {0, 50000};
    for (;;) {
        int rc = MPI_Test(request, &done, MPI_STATUS_IGNORE);
        if (rc != MPI_SUCCESS || done) return rc;
        nanosleep(&pause, NULL);
    }
}

/// MPI_Init_thread (only the main thread calls MPI); returns MPI_SUCCESS or an error code.
static inline int lmpi_init(void) {
    int provided = 0;
    return MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
}

static inline int lmpi_rank(void) { int r = 0; MPI_Comm_rank(MPI_COMM_WORLD, &r); return r; }
static inline int lmpi_size(void) { int s = 1; MPI_Comm_size(MPI_COMM_WORLD, &s); return s; }

/// The number of ranks on this rank's node (shared-memory domain).
static inline int lmpi_local_size(void) {
    MPI_Comm node;
    if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node) != MPI_SUCCESS) return 1;
    int s = 1;
    MPI_Comm_size(node, &s);
    MPI_Comm_free(&node);
    return s;
}

/// Broadcasts rank 0's value to every rank.
static inline int64_t lmpi_broadcast_int64(int64_t value) {
    MPI_Request request;
    int64_t v = value;
    if (MPI_Ibcast(&v, 1, MPI_INT64_T, 0, MPI_COMM_WORLD, &request) != MPI_SUCCESS) MPI_Abort(MPI_COMM_WORLD, 2);
    if (lmpi_wait_politely(&request) != MPI_SUCCESS) MPI_Abort(MPI_COMM_WORLD, 2);
    return v;
}

enum { LMPI_TAG_LENGTH = 7101, LMPI_TAG_DATA = 7102 };
/// Messages of at most 1 GiB (MPI counts are int).
static const uint64_t lmpi_chunk = (uint64_t)1 << 30;

/// A worker sends `count` bytes to rank 0 (length first, then the bytes in chunks).
static inline int lmpi_send_to_root(const uint8_t *bytes, uint64_t count) {
    MPI_Request request;
    uint64_t n = count;
    int rc = MPI_Isend(&n, 1, MPI_UINT64_T, 0, LMPI_TAG_LENGTH, MPI_COMM_WORLD, &request);
    if (rc == MPI_SUCCESS) rc = lmpi_wait_politely(&request);
    for (uint64_t off = 0; rc == MPI_SUCCESS && off < count; off += lmpi_chunk) {
        uint64_t part = count - off < lmpi_chunk ? count - off : lmpi_chunk;
        rc = MPI_Isend((void *)(bytes + off), (int)part, MPI_BYTE, 0, LMPI_TAG_DATA, MPI_COMM_WORLD, &request);
        if (rc == MPI_SUCCESS) rc = lmpi_wait_politely(&request);
    }
    return rc;
}

/// Rank 0 learns how many bytes `source` will send.
static inline int lmpi_receive_length(int source, uint64_t *count) {
    MPI_Request request;
    int rc = MPI_Irecv(count, 1, MPI_UINT64_T, source, LMPI_TAG_LENGTH, MPI_COMM_WORLD, &request);
    if (rc == MPI_SUCCESS) rc = lmpi_wait_politely(&request);
    return rc;
}

/// Rank 0 receives the `count` bytes announced by `source` into `bytes`.
static inline int lmpi_receive_bytes(int source, uint8_t *bytes, uint64_t count) {
    int rc = MPI_SUCCESS;
    for (uint64_t off = 0; rc == MPI_SUCCESS && off < count; off += lmpi_chunk) {
        MPI_Request request;
        uint64_t part = count - off < lmpi_chunk ? count - off : lmpi_chunk;
        rc = MPI_Irecv(bytes + off, (int)part, MPI_BYTE, source, LMPI_TAG_DATA, MPI_COMM_WORLD, &request);
        if (rc == MPI_SUCCESS) rc = lmpi_wait_politely(&request);
    }
    return rc;
}

/// The CPUs this process may run on (its affinity mask: mpirun binds ranks to cores or sockets), 0 if unknown.
static inline int lmpi_affinity_cpus(void) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0) return 0;
    return CPU_COUNT(&set);
}

static inline void lmpi_finalize(void) { MPI_Finalize(); }
static inline void lmpi_abort(int status) { MPI_Abort(MPI_COMM_WORLD, status); }
#endif
