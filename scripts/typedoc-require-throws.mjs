// A typedoc plugin (typedoc.json "plugin"): every function, method, constructor and
// setter of the public API must say what it throws, with a @throws tag ("@throws nothing"
// where it cannot fail), or `npm run docs` fails. typedoc's own validation.notDocumented
// only asks for a comment; this asks for the errors in it.
import { Converter, ReflectionKind } from 'typedoc';

const CHECKED = ReflectionKind.CallSignature | ReflectionKind.ConstructorSignature | ReflectionKind.SetSignature;

export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_END, (context) => {
    for (const reflection of Object.values(context.project.reflections)) {
      if (!reflection.kindOf(CHECKED)) continue;
      const owner = reflection.parent;
      // Function types inside other types (callbacks, returned functions) and members
      // inherited from Error are not this package's to document.
      if (!owner || owner.kindOf(ReflectionKind.TypeLiteral)) continue;
      if (reflection.inheritedFrom || owner.inheritedFrom) continue;
      const comment = reflection.comment ?? owner.comment;
      if (!comment?.blockTags.some((tag) => tag.tag === '@throws')) {
        app.logger.error(
          `${owner.getFriendlyFullName()}: its doc comment does not ` +
            `say what it throws (add @throws, or "@throws nothing")`,
        );
      }
    }
  });
}
