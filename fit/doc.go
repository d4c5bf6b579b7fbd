// Package fit turns a collection of images into a validated W2 surrogate
// in one call: Run splits the collection, computes exact training,
// validation and test pairs, trains one or more seeds within a wall-clock
// budget, averages them into an ensemble, exports the ONNX set and writes a
// model card whose figures come from the held-out test images.
//
// # Stages and files
//
// Every stage writes its result into the work folder (Options.Work,
// default NAME.fit beside the output) before the next starts, and a rerun
// of the same call skips what is done and resumes what was interrupted, so
// a killed fit loses nothing and repeats nothing:
//
//	split.json              the split by image (seeded; stratified by label)
//	{train,val,test}-images-idx3-ubyte (+ -labels-)  the split's images
//	plan.json               the measured speeds and the sizes they allow
//	{train,val,test}.pairs  exact W2² (pairs.Generate, resumable)
//	seedK.ckpt (+ .train)   one training run per seed (build.Train, resumable)
//	model.ckpt              the ensemble of the seeds (or the single seed)
//	eval/…                  the set exported for the test evaluation
//	result.json             the test figures of the card
//
// The output NAME.onnx (with NAME.pairwise.onnx and NAME.pair.onnx) is
// written last, with the card's facts in its metadata (kenn.card) and in
// NAME.card.md.
//
// # Budget
//
// The plan is made once, from two measurements on the training images:
// the exact solver's wall time per pair with the given workers (random
// training pairs, timed for 3 s after a second's warm-up), and the
// training throughput in pairs per second. The test set takes the all-pairs
// set of as many test images (at most 500) as 7% of the budget pays for;
// the validation set pairs within groups over the validation images; the
// training pairs, within groups of Options.Group images (spread beats
// count: many small groups over many images beat all pairs of few images),
// are as many as the rest of the budget allows for Seeds runs of Epochs
// epochs each. The plan is recorded in plan.json, so a resumed fit makes
// the same model as an uninterrupted one whatever the machine's speed
// then; explicit Options.TrainPairs and Options.Epochs skip the
// measurements.
//
// # Units
//
// Pairs files hold W2² in pixel² (pixels of the images' grid, unit total
// mass per image); the model's target (W2 or W2²) is in its card and
// metadata. Relative MSE and Pearson correlations are on W2².
package fit
