import { MAX_ACT_AGE_DAYS } from '@prostopcovid/contracts/acts';
import { MAX_INCIDENT_BACKDATE_DAYS, MAX_INCIDENT_PLANNED_END_DAYS } from '@prostopcovid/contracts/incidents';
import { LAB_LONG_CODES_MAX_PER_REQUEST } from '@prostopcovid/contracts/labs';

/** 40000 → "40 000", as French writes it (a narrow no-break space). */
const frenchInteger = (value: number) => String(value).replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f');

/**
 * The one error catalogue: stable MODULE_REASON codes, their HTTP status and the French
 * message a user reads. Services throw `new AppError('CODE')`; one handler answers.
 */
export const errorCatalogue = {
  REQUEST_INVALID: [400, 'La requête est invalide.'],
  REQUEST_TOO_LARGE: [413, 'La requête est trop volumineuse.'],
  REQUEST_HEADERS_TOO_LARGE: [431, 'Les en-têtes de la requête sont trop volumineux (cookies trop nombreux ?).'],
  REQUEST_TIMEOUT: [408, "La requête n'a pas été reçue entièrement à temps. Réessayez."],
  REQUEST_UNSUPPORTED_MEDIA: [415, "Ce format de contenu n'est pas accepté."],
  NOT_FOUND: [404, "Cette ressource n'existe pas."],
  METHOD_NOT_ALLOWED: [405, "Cette méthode n'est pas autorisée ici."],
  RATE_LIMITED: [429, 'Trop de requêtes. Réessayez dans quelques instants.'],
  AUTH_REQUIRED: [401, 'Vous devez vous connecter avec Pro Santé Connect.'],
  AUTH_SESSION_EXPIRED: [401, 'Votre session a expiré. Reconnectez-vous avec Pro Santé Connect.'],
  AUTH_FORBIDDEN: [403, "Votre profession ne vous permet pas d'effectuer cette action."],
  AUTH_CSRF_INVALID: [403, 'Jeton de sécurité manquant ou invalide. Rechargez la page puis recommencez.'],
  AUTH_LOGIN_UNKNOWN: [400, 'Cette tentative de connexion est inconnue ou a expiré. Recommencez la connexion.'],
  AUTH_STATE_MISMATCH: [400, 'La réponse de Pro Santé Connect ne correspond pas à votre demande de connexion. Recommencez la connexion.'],
  AUTH_PROVIDER_DENIED: [403, 'Pro Santé Connect a refusé la connexion.'],
  AUTH_TOKEN_INVALID: [400, "La réponse de Pro Santé Connect n'a pas pu être validée. Recommencez la connexion."],
  AUTH_ACR_INSUFFICIENT: [403, "Le niveau d'authentification est insuffisant : une connexion par carte CPS ou e-CPS (eIDAS substantiel) est exigée."],
  AUTH_IDENTITY_INCOMPLETE: [403, "Pro Santé Connect n'a pas transmis votre identifiant national de professionnel de santé."],
  AUTH_PROVIDER_UNAVAILABLE: [503, 'Pro Santé Connect ne répond pas pour le moment. Réessayez dans quelques minutes.'],
  AUTH_FALLBACK_DISABLED: [403, "La connexion de secours n'est ouverte que pendant un incident Pro Santé Connect déclaré. Connectez-vous avec Pro Santé Connect (carte CPS ou e-CPS)."],
  AUTH_FALLBACK_NOT_OFFERED: [403, "La connexion de secours n'est pas proposée sur ce service."],
  AUTH_FALLBACK_INVALID: [401, 'Identifiant, mot de passe ou code à 6 chiffres incorrect.'],
  AUTH_FALLBACK_LOCKED: [429, 'Trop de tentatives échouées : la connexion de secours de ce compte est bloquée pendant 15 minutes.'],
  AUTH_FALLBACK_PSC_REQUIRED: [403, 'Pour créer, modifier ou supprimer votre accès de secours, connectez-vous avec Pro Santé Connect (carte CPS ou e-CPS).'],
  AUTH_FALLBACK_PASSWORD_WEAK: [400, 'Le mot de passe doit comporter au moins 12 caractères.'],
  AUTH_FALLBACK_ENROLLMENT_UNKNOWN: [400, "Aucune inscription n'est en cours ou elle a expiré (10 minutes). Recommencez l'inscription."],
  AUTH_FALLBACK_CODE_MISMATCH: [400, "Le code à 6 chiffres ne correspond pas. Vérifiez que l'application d'authentification a bien enregistré le compte et que l'heure du téléphone est exacte."],
  AUTH_FALLBACK_NOT_ENROLLED: [404, "Vous n'avez pas d'accès de secours."],
  AUTH_PROVIDER_CIRCUIT_OPEN: [503, "Pro Santé Connect est indisponible (incident en cours) : les nouvelles connexions sont suspendues. Les sessions déjà ouvertes continuent de fonctionner. Si vous êtes inscrit(e) à la connexion de secours, utilisez-la ; sinon, réessayez plus tard."],
  CODES_QR_CONFIRMATION_REQUIRED: [400, "Pour un cas confirmé, confirmez que le QR code SI-DEP du patient est indisponible ou ne fonctionne pas et qu'il ne sera pas utilisé en parallèle par une autre personne."],
  CODES_ISSUE_LIMIT: [429, 'Vous avez atteint la limite de codes générés par heure. Réessayez plus tard.'],
  CODES_GENERATION_FAILED: [503, "Aucun code n'a pu être généré. Réessayez dans quelques instants."],
  CODES_RESULT_NOT_FOUND: [400, 'Aucun résultat positif ne correspond au code de résultat saisi. Vérifiez le code imprimé sur le document du patient.'],
  TESTS_NOT_FOUND: [404, "Ce test n'existe pas ou n'a pas été enregistré par vous."],
  TESTS_COVID_PLUS_REPLACED: [409, 'Un code à 6 caractères a déjà été remis pour ce résultat : le document COVID+ ne peut plus être imprimé (pas de double déclaration).'],
  TESTS_NOT_POSITIVE: [400, 'Le document COVID+ ne concerne que les résultats positifs.'],
  CODE_INVALID: [403, 'Ce code est invalide, expiré ou déjà utilisé.'],
  DECLARATION_ONSET_INVALID: [400, "La date doit être comprise entre aujourd'hui et il y a 14 jours."],
  DECLARATION_DEVICE_REQUIRED: [400, "L'en-tête X-Device-Id (identifiant de l'appareil, 8 à 128 caractères parmi A-Z a-z 0-9 _ -) est obligatoire."],
  DECLARATION_RATE_LIMITED: [429, 'Trop de tentatives de saisie de code. Réessayez plus tard.'],
  DECLARATION_TOKEN_INVALID: [401, "L'autorisation d'envoi est invalide, expirée ou déjà utilisée."],
  ROBERT_KEY_INVALID: [400, "La clé publique de l'application est invalide : une clé P-256 (SubjectPublicKeyInfo DER, en Base64) est attendue."],
  ROBERT_CAPTCHA_REQUIRED: [400, 'Une preuve de travail est exigée pour cet enregistrement : demandez un défi (POST /api/robert/v1/captcha) puis renvoyez captchaId et captcha.'],
  ROBERT_CAPTCHA_INVALID: [400, 'La preuve de travail est invalide, expirée ou déjà utilisée. Demandez un nouveau défi.'],
  ROBERT_REGISTER_RATE_LIMITED: [429, "Trop d'enregistrements depuis cette adresse. Réessayez plus tard."],
  ROBERT_REGISTER_FAILED: [503, "L'enregistrement n'a pas pu aboutir. Réessayez dans quelques instants."],
  ROBERT_TIME_INVALID: [400, "L'heure de votre téléphone est décalée de plus d'une minute : activez l'heure automatique puis réessayez."],
  ROBERT_AUTH_FAILED: [401, "Cet appareil n'a pas pu être authentifié (identifiant inconnu ou expiré, ou signature invalide). Si le problème persiste, réinstallez l'application pour vous réenregistrer."],
  ROBERT_STATUS_TOO_SOON: [429, 'Votre statut a déjà été vérifié il y a moins de 30 minutes. Réessayez plus tard.'],
  ROBERT_REPORT_TOO_LARGE: [413, "L'historique envoyé est trop volumineux."],
  ACTS_PATIENT_INVALID: [400, "L'identité du patient est incomplète ou invalide."],
  ACTS_BIRTH_DATE_INVALID: [400, 'La date de naissance est invalide (ni future, ni antérieure à 1900).'],
  ACTS_DATE_IN_FUTURE: [400, "La date de l'acte ne peut pas être dans le futur."],
  ACTS_DATE_TOO_OLD: [400, `La date de l'acte est trop ancienne pour être saisie (plus de ${MAX_ACT_AGE_DAYS} jours).`],
  ACTS_RETRIEVAL_CODE_INVALID: [400, 'Le code de récupération doit comporter 12 caractères (chiffres et lettres, sans I, L, O ni U).'],
  ACTS_RETRIEVAL_CODE_TAKEN: [409, "Ce code de récupération est déjà attribué à un autre acte : celui-ci n'a pas été enregistré. Corrigez-le depuis la liste des envois : un nouveau code lui sera attribué (réimprimez alors le document du patient)."],
  ACTS_IDEMPOTENCY_CONFLICT: [422, "Cet acte porte la clé d'envoi d'un autre acte déjà enregistré : il n'a pas été enregistré. Vérifiez-le puis enregistrez-le comme un nouvel acte."],
  TESTS_DEVICE_UNKNOWN: [400, "Ce test ne figure pas dans la liste européenne des tests antigéniques rapides."],
  VACCINATIONS_PRODUCT_UNKNOWN: [400, "Ce vaccin ne figure pas dans la liste européenne des vaccins COVID-19 reconnus."],
  VACCINATIONS_DOSE_INVALID: [400, 'Le numéro de dose doit être compris entre 1 et le nombre total de doses du schéma (9 au plus).'],
  STATS_PERIOD_INVALID: [400, 'La période est invalide : indiquez des dates AAAA-MM-JJ, la première au plus tard la seconde.'],
  STATS_PERIOD_TOO_LONG: [400, 'La période demandée est trop longue (366 jours au plus).'],
  STATS_ZONE_UNKNOWN: [400, "Cette région ou ce département n'existe pas."],
  STATS_OUT_OF_SCOPE: [403, 'Vous ne pouvez consulter que les statistiques de votre région.'],
  STATS_PROFESSION_UNKNOWN: [400, "Cette profession n'est pas suivie par les statistiques."],
  OPERATOR_KEY_INVALID: [401, "Clé d'API d'opérateur absente, inconnue ou révoquée."],
  OPERATOR_KEY_NOT_FOUND: [404, 'Cette clé est inconnue, déjà révoquée ou hors de votre périmètre.'],
  AUDIT_PERIOD_INVALID: [400, 'La période est invalide : le début doit précéder la fin.'],
  AUDIT_SEARCH_TOO_BROAD: [400, "La recherche est trop large pour aboutir : précisez la période, l'acteur ou la cible."],
  LABS_KEY_INVALID: [401, "Clé d'API de laboratoire absente, inconnue ou révoquée."],
  LABS_NOT_FOUND: [404, 'Ce laboratoire ou cette clé est inconnu.'],
  LABS_DEPARTMENT_UNKNOWN: [400, "Ce département n'existe pas (code INSEE : 33, 2A, 971…)."],
  LABS_BATCH_INVALID: [400, 'Le lot de résultats est invalide : aucun résultat n\'a été enregistré. Corrigez les résultats signalés puis renvoyez le lot.'],
  LABS_BATCH_TOO_LARGE: [413, 'Le lot contient trop de résultats.'],
  LABS_LONG_CODES_TOO_MANY: [413, `Une demande porte sur ${frenchInteger(LAB_LONG_CODES_MAX_PER_REQUEST)} codes longs au plus : aucun code n'a été créé. Demandez-en moins, en plusieurs demandes si besoin.`],
  LABS_LONG_CODES_QUOTA: [429, "Ce laboratoire dépasserait son quota quotidien de codes longs : aucun code n'a été créé. Le nombre de codes qu'il peut encore demander aujourd'hui est indiqué (remainingToday) ; le quota est renouvelé à minuit, heure de Paris."],
  LABS_IDEMPOTENCY_CONFLICT: [422, "Cette clé d'idempotence (Idempotency-Key) a déjà servi à une demande d'un autre nombre de codes : aucun code n'a été créé. Utilisez une nouvelle clé pour une nouvelle demande."],
  LABS_IDEMPOTENCY_EXPIRED: [409, "La réponse à cette demande n'est plus disponible : elle est gardée 24 heures et ne se relit qu'avec la clé d'API qui l'a faite. Les codes déjà remis restent valables ; pour d'autres codes, faites une nouvelle demande avec une nouvelle clé d'idempotence."],
  CERTIFICATES_NOT_FOUND: [404, 'Aucun certificat ne correspond à ce code et à cette date de naissance. Vérifiez le code imprimé sur votre document.'],
  CERTIFICATES_EXPIRED: [410, "Ce certificat de test n'est plus valide : sa durée de validité après le prélèvement est dépassée."],
  CERTIFICATES_NOT_ISSUABLE: [422, "Ce certificat ne peut pas être produit automatiquement à partir des informations enregistrées. Adressez-vous au professionnel qui a réalisé l'acte."],
  CERTIFICATES_RATE_LIMITED: [429, 'Trop de tentatives. Réessayez plus tard.'],
  CERTIFICATES_RECOVERY_NOT_YET: [409, "Le certificat de rétablissement n'est délivré qu'à partir du 11e jour après le test positif."],
  CERTIFICATES_KIND_UNAVAILABLE: [404, "Ce type de certificat n'existe pas pour cet acte."],
  VERIFIER_COUNTRY_UNKNOWN: [400, "Aucune règle de vérification n'est connue pour ce pays."],
  VERIFIER_CLOCK_INVALID: [400, 'La date de vérification doit être une date et heure valide, entre 2020 et 2100.'],
  INCIDENTS_NOT_FOUND: [404, "Cet incident n'existe pas."],
  INCIDENTS_START_INVALID: [400, `La date de début de l'incident doit être comprise entre il y a ${MAX_INCIDENT_BACKDATE_DAYS} jours et maintenant.`],
  INCIDENTS_END_INVALID: [400, `La date de fin de l'incident doit être postérieure à sa date de début (et au plus dans ${MAX_INCIDENT_PLANNED_END_DAYS} jours).`],
  INCIDENTS_ALREADY_ENDED: [409, 'Cet incident est déjà terminé : sa date de fin ne peut plus être modifiée.'],
  MESSAGES_NOT_FOUND: [404, "Ce message n'existe pas."],
  MESSAGES_OUT_OF_SCOPE: [403, "Ce message relève d'une autre agence : vous ne pouvez ni le consulter ni le modifier."],
  MESSAGES_ZONE_OUT_OF_SCOPE: [403, 'Une agence régionale de santé ne peut écrire qu’aux professionnels de sa région : retirez les régions et départements qui n’en font pas partie.'],
  MESSAGES_ZONE_INVALID: [400, 'Choisissez la zone : « National », ou au moins une région ou un département (pas les deux à la fois).'],
  MESSAGES_ZONE_UNKNOWN: [400, 'Une région ou un département indiqué n’existe pas (codes INSEE : 75 pour la Nouvelle-Aquitaine, 33 pour la Gironde, 2A, 971…).'],
  MESSAGES_PROFESSION_UNKNOWN: [400, 'Une profession indiquée n’existe pas dans la nomenclature TRE_G15 des professions de santé.'],
  MESSAGES_BODY_HTML: [400, 'Le texte ne peut pas contenir de HTML (balises, scripts) : utilisez la mise en forme Markdown (**gras**, listes, liens).'],
  MESSAGES_BODY_LINK: [400, 'Un lien du texte n’est pas autorisé : seuls les liens https://, http:// et mailto: sont acceptés.'],
  MESSAGES_BODY_TOO_DEEP: [400, 'Le texte imbrique trop de citations, de listes ou de mises en forme : simplifiez-le (8 niveaux au plus).'],
  MESSAGES_BODY_IMAGE: [400, 'Les images ne sont pas acceptées dans le texte : joignez plutôt un PDF.'],
  MESSAGES_EXPIRY_INVALID: [400, "La date d'expiration doit être dans le futur (au plus dans un an)."],
  MESSAGES_ATTACHMENT_UNKNOWN: [400, 'Une pièce jointe indiquée n’appartient pas à ce message.'],
  MESSAGES_ATTACHMENT_NOT_PDF: [415, 'Les pièces jointes doivent être des fichiers PDF.'],
  MESSAGES_ATTACHMENT_TOO_LARGE: [413, 'Une pièce jointe ne peut pas dépasser 5 Mo.'],
  MESSAGES_TOO_MANY_ATTACHMENTS: [400, 'Un message a au plus 20 pièces jointes en tout (et 5 par version) : réutilisez celles déjà envoyées.'],
  MESSAGES_CHANGED: [
    412,
    "Ce message a été modifié par une autre personne depuis que vous l'avez ouvert : rechargez-le pour voir sa version actuelle (copiez d'abord votre texte si vous voulez le garder).",
  ],
  MESSAGES_NOT_DRAFT: [409, 'Ce message est déjà publié : il ne peut plus être modifié, seulement rectifié (nouvelle version) ou retiré.'],
  MESSAGES_CORRECTION_UNCHANGED: [409, 'Ce rectificatif ne change rien au message publié : modifiez le titre, le texte, les destinataires, l’expiration ou les pièces jointes.'],
  MESSAGES_NOT_PUBLISHED: [409, "Ce message n'est pas publié : publiez-le d'abord."],
  MESSAGES_WITHDRAWN: [409, 'Ce message a été retiré.'],
  MESSAGES_WITHDRAWN_PUBLIC: [410, 'Ce message a été retiré par son auteur : il ne s’applique plus.'],
  MESSAGES_EXPIRED: [409, 'Ce message a expiré : il ne donne plus lieu à des rappels.'],
  MESSAGES_NOT_ACTION: [409, 'Seuls les messages « pour action » appellent une prise de connaissance et des relances.'],
  MESSAGES_NOT_TARGETED: [404, "Ce message ne vous est pas adressé ou n'est plus en ligne."],
  MESSAGES_VERSION_STALE: [409, 'Ce message a été rectifié depuis : relisez la nouvelle version avant d’en prendre connaissance.'],
  ATTESTATIONS_KEY_INVALID: [400, "La clé de signature n'est pas une clé publique ECDSA P-256 valide."],
  ATTESTATIONS_KEY_PRIVATE: [400, 'La partie privée de la clé ne doit jamais être envoyée : seule la clé publique est enregistrée.'],
  ATTESTATIONS_KEY_TAKEN: [409, 'Cette clé de signature est déjà enregistrée pour un autre professionnel.'],
  ATTESTATIONS_KEY_REVOKED: [409, 'Cette clé de signature a été révoquée : ce navigateur doit en générer une nouvelle.'],
  ATTESTATIONS_KEY_LIMIT: [409, "Vous avez atteint le nombre maximal de navigateurs enregistrés pour signer des attestations provisoires. Révoquez celle d'un navigateur que vous n'utilisez plus, dans la page « Accès de secours »."],
  ATTESTATIONS_KEY_NOT_FOUND: [404, "Cette clé de signature n'existe pas ou ne vous appartient pas."],
  CLIENT_RATE_LIMITED: [429, 'Trop de requêtes pour ce compte en une minute. Réessayez dans quelques instants.'],
  SERVICE_OVERLOADED: [503, 'Le service est très sollicité : votre demande n’a pas été traitée. Elle sera reprise automatiquement ; sinon, réessayez dans quelques instants.'],
  SERVICE_UNAVAILABLE: [503, 'Le service est momentanément indisponible. Réessayez dans quelques instants.'],
  INTERNAL: [500, 'Une erreur interne est survenue. Si elle persiste, communiquez la référence au support.'],
} as const satisfies Record<string, readonly [number, string]>;

export type ErrorCode = keyof typeof errorCatalogue;

export class AppError extends Error {
  readonly statusCode: number;
  readonly userMessage: string;

  constructor(
    readonly code: ErrorCode,
    options: { cause?: unknown; details?: unknown; publicDetails?: unknown; message?: string; retryAfterSeconds?: number } = {},
  ) {
    const [status, userMessage] = errorCatalogue[code];
    super(options.message ?? code, { cause: options.cause });
    this.statusCode = status;
    this.userMessage = userMessage;
    this.details = options.details;
    this.publicDetails = options.publicDetails;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  /** For the logs. */
  readonly details: unknown;
  /** Sent to the client too (which fields or items are wrong). */
  readonly publicDetails: unknown;
  /** For 429/503: when to try again (sent as Retry-After). */
  readonly retryAfterSeconds: number | undefined;
}
