// Types of the generated validators (schema-validators.js).
export interface SchemaError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}
export interface GeneratedValidator {
  (data: unknown): boolean;
  errors?: SchemaError[] | null;
}
export declare const validate_1_3_2: GeneratedValidator;
export declare const validate_1_1_0: GeneratedValidator;
export declare const validate_1_0_0: GeneratedValidator;
