// ESLint rule: a neverthrow Result (or ResultAsync) that is computed and then dropped hides an
// error, which is what this library exists to prevent. `void expr` marks a deliberate discard.
const RESULT_TYPES = new Set(["Ok", "Err", "ResultAsync"]);

function isResult(type) {
  if (type.isUnion()) return type.types.some(isResult);
  const name = (type.aliasSymbol ?? type.getSymbol())?.getName();
  return name !== undefined && RESULT_TYPES.has(name);
}

/** @type {import("eslint").Rule.RuleModule} */
export default {
  meta: {
    type: "problem",
    docs: { description: "Require every neverthrow Result to be used" },
    messages: { unused: "This Result is ignored: check it (isErr, match, map...) or discard it explicitly with `void`." },
    schema: [],
  },
  create(context) {
    const services = context.sourceCode.parserServices;
    if (!services?.program) return {};
    const checker = services.program.getTypeChecker();
    return {
      ExpressionStatement(node) {
        const expr = node.expression;
        if (expr.type === "UnaryExpression" && expr.operator === "void") return;
        if (expr.type === "AssignmentExpression" || expr.type === "Literal") return;
        const type = checker.getTypeAtLocation(services.esTreeNodeToTSNodeMap.get(expr));
        if (isResult(type)) context.report({ node, messageId: "unused" });
      },
    };
  },
};
