// Package cli is what kenn's binaries share: the flag vocabulary and its
// checks (NewFlags, Parse, Check, usage errors that exit 2), the guard of
// outputs against inputs, the main loop with its signal handling, and the
// commands that run in both kenn and kenn-beam — pairs, pairwise and knn,
// each in its own file. Those three take a Distributed: kenn passes
// NoBeam (its --runner says to use kenn-beam), cmd/kenn-beam passes the
// Apache Beam runners of package beamjob, so that the main kenn binary
// links no Beam, GCP or OpenTelemetry package (internal/archtest checks
// it) while kenn-beam keeps the same commands and flags.
//
// It lives under cmd/internal so that only the module's commands import
// it; the libraries (pairs, runtime, …) hold the work, this package only
// the command lines.
package cli
