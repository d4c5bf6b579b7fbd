package ot

// EstimateBytes is the size guard's estimate of the memory a solve of a
// against b allocates (test hook).
func EstimateBytes(s *Solver, a, b Image) (int64, error) {
	if err := checkPair(a, b); err != nil {
		return 0, err
	}
	n := len(a.Pix)
	s.ma, s.mb = grow64(s.ma, n), grow64(s.mb, n)
	_, bytes := s.estimate(a, b)
	return bytes, nil
}
