package models

import "testing"

func TestStoppedAtCap(t *testing.T) {
	for _, tc := range []struct {
		st   TrainState
		want bool
	}{
		{TrainState{Epoch: 25, StopReason: CapStopReason(25)}, true},
		{TrainState{Epoch: 25, StopReason: CapStopReason(24)}, false},
		{TrainState{Epoch: 12, StopReason: "early stop: no validation gain in 8 epochs"}, false},
		{TrainState{Epoch: 3}, false}, // still running: no reason yet
	} {
		t.Run(tc.st.StopReason, func(t *testing.T) {
			if got := tc.st.StoppedAtCap(); got != tc.want {
				t.Errorf("epoch %d, reason %q: StoppedAtCap %v, want %v", tc.st.Epoch, tc.st.StopReason, got, tc.want)
			}
		})
	}
}
