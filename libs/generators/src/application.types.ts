import type { ParamSet } from './param-merge';

/** A generated `argoproj.io/v1alpha1` Application. */
export interface Application {
  apiVersion: 'argoproj.io/v1alpha1';
  kind: 'Application';
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
  };
  spec: Record<string, unknown>;
}

/** An Application Argo CD would refuse to create, with its reason. */
export interface ApplicationValidationError {
  application: string;
  message: string;
}

/** The outcome of generating an ApplicationSet. */
export interface GenerationResult {
  /** Every parameter set the generators produced (after selectors), in generation order. */
  params: ParamSet[];
  /**
   * The Applications Argo CD would create or update, in generation order. Empty when `error` is
   * set: Argo CD then changes nothing.
   */
  applications: Application[];
  /** A generation or rendering error (Argo CD's `ErrorOccurred` condition); nothing is applied. */
  error?: string;
  /** Applications left out by validation; the others are still applied. */
  validationErrors: ApplicationValidationError[];
}
