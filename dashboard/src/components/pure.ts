// A minimal `memo` for Preact without pulling in preact/compat: re-render only
// when a prop changes by identity (props must be immutable values or stable callbacks).
import { Component, h, type FunctionComponent } from 'preact';

export function shallowEqual(a: object, b: object): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.is((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

export function pure<P extends object>(render: FunctionComponent<P>): FunctionComponent<P> {
  class Pure extends Component<P> {
    static displayName = `pure(${render.displayName ?? render.name})`;
    override shouldComponentUpdate(next: P): boolean {
      return !shallowEqual(this.props, next);
    }
    override render() {
      return h(render, this.props);
    }
  }
  return Pure as unknown as FunctionComponent<P>;
}
