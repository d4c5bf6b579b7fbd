// Package beamjob runs kenn's two large jobs as Apache Beam pipelines (Go
// SDK v2.77): exact W2² ground truth for pairs of images, and model
// distance matrices. The same job runs in-process on this machine (the
// prism runner) or is submitted to Flink or Spark through Beam's portable
// job server (universal runner, --endpoint) or to Dataflow.
//
// # Sharding and output
//
// A job is cut into shards: consecutive runs of pairs (pairs jobs) or
// tiles of the matrix (matrix jobs). A shard element carries indices only;
// the worker reads just the images it needs (uncompressed IDX files are
// read by seeking, dataset.ReadImagesAt) and writes its result atomically
// to OUT.shards/ (temporary file, then rename). A shard written twice (a
// retried bundle) is written whole both times with the same bytes, so
// nothing is duplicated; the driver then merges the shards, in order, into
// OUT: the same kenn pairs file, or the same .npy, byte for byte, as the
// local commands write (the same solver, the same onnxruntime tiles).
//
// # Failures
//
// Runners differ: Dataflow retries a failed bundle itself; prism fails the
// job. Either way the driver resubmits the shards still missing, up to
// Runner.Attempts pipelines, and a rerun of the same command after an
// interruption computes only the missing shards. Workers need the images
// (and the model) at the same path, and a shared OUT.shards/ folder: on a
// cluster, a shared file system.
//
// Every shard file ends with a trailer holding its length and SHA-256: a
// rerun reads the finished shards of the earlier run and removes and
// recomputes any that is cut short, extended or corrupt
// (Summary.Dropped), instead of failing the merge. Workers verify the
// images' SHA-256 against the job's manifest before computing (once per
// worker and file, and again whenever the file's size, modification time
// or inode change); a worker that finds other bytes fails its shard, and
// the driver stops with an error naming both hashes (ErrChanged) instead
// of resubmitting.
//
// Bad input is refused before any worker starts: a missing or unreadable
// images file, a pair list with bad lines, an unreachable runner endpoint.
package beamjob
