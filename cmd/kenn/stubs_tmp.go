package main

import "context"

func runW2(ctx context.Context, args []string) error    { return nil }
func runPairs(ctx context.Context, args []string) error { return nil }
