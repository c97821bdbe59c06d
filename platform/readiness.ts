// What a readiness probe answers: the API serves it at /readyz, the runtime builds it from
// the components it started. Below both, so neither reaches into the other.
export type ComponentStatus = { ok: true } | { ok: false; error: string };
export type ReadinessProbe = () => Promise<Record<string, ComponentStatus>>;
