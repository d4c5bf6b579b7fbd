package segdist

// Geometries lists the kernels this machine can run, the portable one
// first, for tests that compare them.
func Geometries() []string {
	names := []string{genericGeometry.name}
	for _, g := range asmGeometries() {
		names = append(names, g.name)
	}
	return names
}

// UseGeometry makes k run the named kernel (one of Geometries).
func UseGeometry(k *Kernel, name string) {
	for _, g := range append([]geometry{genericGeometry}, asmGeometries()...) {
		if g.name == name {
			k.geo = g
			return
		}
	}
	panic("segdist: no kernel " + name)
}
