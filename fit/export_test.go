package fit

// WithStageHook returns o with a hook called at the start of every stage
// and after every progress report: tests interrupt a fit with it.
func WithStageHook(o Options, h func(stage string, done int)) Options {
	o.stageHook = h
	return o
}
