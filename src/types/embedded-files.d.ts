// Files imported `with { type: "file" }` are embedded in the executable; the import is their path.
declare module "swagger-ui-dist/*" {
  const path: string;
  export default path;
}
