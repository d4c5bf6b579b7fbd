package export

import (
	"fmt"

	"github.com/kenn-ot/kenn/models"
)

// lowering is how export compiles one model kind's embedding, in each
// export profile: given the images x ([N,1,H,W] in the default profile),
// it appends the nodes and returns the name of the features [N,F], the
// kind's segments (models.Model.Segments) side by side. The distance
// graphs (pairwise, pairDistance) follow the kind's models.Form and the
// decoder the model's Decoder; they need nothing per kind.
type lowering struct {
	embed   func(g *graph, c *models.Checkpoint, x string) string // default profile
	embedOG func(g *graph, c *models.Checkpoint, x string) string // onnx-go profile (profile_onnxgo.go)
}

// lowerings is the table of every kind's lowering, keyed by models.Kind;
// TestEveryKindLowers fails for a kind in models.Kinds it lacks.
func lowerings() map[models.Kind]lowering {
	last := func(enc func(*graph, *models.Checkpoint, string) ([]string, string)) func(*graph, *models.Checkpoint, string) string {
		return func(g *graph, c *models.Checkpoint, x string) string { _, out := enc(g, c, x); return out }
	}
	features := func(enc func(*graph, *models.Checkpoint, string) ([]string, string)) func(*graph, *models.Checkpoint, string) string {
		return func(g *graph, c *models.Checkpoint, x string) string {
			flat, _ := enc(g, c, x)
			var segs []string
			for _, i := range c.Model.Features() {
				segs = append(segs, flat[i])
			}
			if len(segs) == 1 {
				return segs[0]
			}
			return g.op("Concat", segs, attrInt("axis", 1))
		}
	}
	return map[models.Kind]lowering{
		// φ(x), the encoder's output
		models.KindDWE: {embed: last(encode), embedOG: last(encodeOG)},
		// the feature layers' outputs
		models.KindDeepKENN: {embed: features(encode), embedOG: features(encodeOG)},
		models.KindNaive:    {embed: features(encode), embedOG: features(encodeOG)},
		// the states z(t_0), …, z(t_K) of the unrolled RK4 steps
		models.KindODEKENN: {
			embed: func(g *graph, c *models.Checkpoint, x string) string {
				_, z := encode(g, c, x)
				return g.op("Concat", rk4(g, c, z), attrInt("axis", 1))
			},
			embedOG: func(g *graph, c *models.Checkpoint, x string) string {
				_, z := encodeOG(g, c, x)
				return g.op("Concat", rk4OG(g, c, z), attrInt("axis", 1))
			},
		},
		// the members' embeddings side by side, their parameters prefixed
		models.KindEnsemble: {embed: members(embed), embedOG: members(embedOG)},
	}
}

// members lowers an ensemble: each member's embedding (by its own kind's
// lowering), its initializers named models.MemberPrefix(k) + …, then one
// Concat.
func members(embed func(*graph, *models.Checkpoint, string) string) func(*graph, *models.Checkpoint, string) string {
	return func(g *graph, c *models.Checkpoint, x string) string {
		var parts []string
		for k := range c.Model.Members {
			g.pfx = models.MemberPrefix(k)
			parts = append(parts, embed(g, c.Member(k), x))
		}
		g.pfx = ""
		return g.op("Concat", parts, attrInt("axis", 1))
	}
}

// checkExportable refuses a checkpoint that is not a valid image model
// with all its weights, or whose kind (or an ensemble member's) has no
// lowering.
func checkExportable(c *models.Checkpoint) error {
	m := c.Model
	if err := m.Validate(); err != nil {
		return err
	}
	if _, err := c.Weights(); err != nil {
		return err
	}
	table := lowerings()
	var check func(m *models.Model) error
	check = func(m *models.Model) error {
		if _, ok := table[m.Kind]; !ok {
			return fmt.Errorf("export: no ONNX lowering for model kind %s (add it to export's lowerings)", m.Kind)
		}
		for _, mm := range m.Members {
			if err := check(mm); err != nil {
				return err
			}
		}
		return nil
	}
	return check(m)
}
