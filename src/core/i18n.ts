/**
 * User-facing messages, French first, English available.
 * Choose with `--lang`, `LETTRE_LANG`, or the config's `lang`.
 */
const fr = {
  // content and config validation
  required: "champ obligatoire manquant : ajoutez « {field}: … »",
  "required-item": "élément obligatoire manquant",
  type: "doit être {expected} (trouvé : {received})",
  "unknown-field": "champ inconnu « {key} »{suggestion} ; champs possibles : {known}",
  "unknown-section": "type de section inconnu « {value} »{suggestion} ; types connus : {known}",
  "section-type-missing": "chaque section doit avoir un « type: » parmi : {known}",
  date: "« {value} » n'est pas une date du calendrier : écrivez AAAA-MM-JJ, par exemple 2025-12-15",
  "month-or-date":
    "« {value} » n'est pas une date : écrivez AAAA-MM-JJ (2026-02-12) ou AAAA-MM (2026-01)",
  "date-order": "ne doit pas être avant {other} ({value})",
  url: "« {value} » n'est pas un lien accepté : seuls https://, http:// et mailto: sont permis",
  "image-src":
    "« {value} » n'est pas une image utilisable : donnez un chemin relatif (images/photo.jpg) ou une adresse https://",
  "alt-required":
    "texte alternatif manquant : ajoutez « alt: » qui décrit l'image pour les lecteurs d'écran",
  slug: "le nom de fichier « {value} » n'est pas valable : minuscules, chiffres et tirets seulement (renommez-le par exemple « {suggestion}.md »)",
  "slug-reserved":
    "le nom de fichier « {value} » est pris par une page de l'archive web ({known}) : renommez-le, par exemple en lui ajoutant l'année",
  integer: "doit être un nombre entier supérieur ou égal à {min}",
  "too-small-array": "doit contenir au moins {min} élément(s)",
  "empty-string": "ne doit pas être vide",
  lang: "langue « {value} » non prise en charge : langues possibles : {known}",
  email: "« {value} » n'est pas une adresse e-mail unique et simple (exemple : lettre@datalab.fr)",
  color: "« {value} » n'est pas une couleur : écrivez-la en hexadécimal, par exemple #0b5394",
  secret:
    "« {key} » ressemble à un secret : un secret ne va jamais dans le fichier de configuration, donnez-le par une variable d'environnement",
  "countries-type": "doit être un nombre de pays ou une liste de pays",
  "partners-type": "doit être un nombre de partenaires ou une liste de partenaires",
  "number-or-text": "doit être un nombre ou un texte",
  "too-big": "nombre trop grand (au plus {max})",
  invalid: "valeur non valable",
  "preheader-long":
    "{count} caractères : au-delà de 150, les messageries coupent le texte d'aperçu",
  // front matter and YAML
  "frontmatter-missing":
    "l'en-tête manque : le fichier doit commencer par une ligne « --- », puis les champs (title:, date:…), puis une ligne « --- »",
  "frontmatter-unclosed":
    "l'en-tête n'est pas fermé : ajoutez une ligne « --- » après le dernier champ",
  "frontmatter-engine":
    "en-tête « ---{value} » refusé : l'en-tête contient uniquement des données YAML ; commencez le fichier par « --- » seul",
  "frontmatter-not-map": "l'en-tête doit être une suite de champs « nom: valeur »",
  "yaml-syntax":
    "erreur de syntaxe YAML : {detail} (si la valeur contient « : », « # », « * », « & » ou des guillemets, mettez-la entre guillemets doubles)",
  "yaml-unclosed-quote":
    "guillemet ouvert jamais fermé : ajoutez le guillemet qui manque à la fin de la valeur",
  "yaml-colon":
    'la valeur contient « : » : mettez-la entre guillemets doubles, par exemple title: "Assises : le bilan"',
  "yaml-quote":
    'guillemets mal placés : entourez la valeur de guillemets doubles, par exemple title: "L\'IA au cœur des territoires"',
  "yaml-anchor":
    "« &{value} » en début de valeur est lu comme une ancre YAML et disparaîtrait : mettez la valeur entre guillemets doubles",
  "yaml-alias-unknown":
    '« {value} » en début de valeur est lu comme une référence YAML : mettez la valeur entre guillemets doubles, par exemple "{value}"',
  "yaml-duplicate": "ce champ apparaît deux fois : gardez-en un seul",
  "yaml-indent":
    "indentation incorrecte : alignez ce champ sur ses voisins (espaces, pas de tabulations)",
  "yaml-unclosed":
    "liste [ … ] ou groupe { … } jamais fermé : ajoutez le ] ou le } qui manque (ou mettez le texte entre guillemets)",
  "yaml-aliases":
    "trop de références YAML (*alias) : au plus {max} sont permises, écrivez les valeurs en clair",
  "yaml-tag": "étiquette YAML « {value} » refusée : l'en-tête contient uniquement des données",
  // config
  "config-missing":
    "fichier de configuration introuvable : est-ce bien le dossier du projet ? Pour commencer une lettre, « npx lettre init <dossier> » le crée",
  // templates
  "template-missing":
    "gabarit manquant : ni le projet ni le thème intégré de lettre ne l'ont ; réinstallez lettre (npm install)",
  "template-syntax": "erreur de syntaxe Handlebars : {detail}",
  "template-unclosed":
    "balise {{ … }} mal fermée ou incomplète sur cette ligne (chaque {{ se ferme par }})",
  "template-helper": "assistant « {value} » inconnu{suggestion} ; assistants disponibles : {known}",
  "template-partial":
    "partiel « {value} » introuvable{suggestion} ; partiels disponibles : {known}",
  "template-label": "libellé « {value} » absent de templates/labels.yaml{suggestion}",
  "template-section-missing": "aucun gabarit pour le type de section « {value} » : créez {file}",
  "template-runtime": "erreur dans le gabarit : {detail}",
  "markdown-too-deep":
    "texte Markdown trop imbriqué (listes ou citations sur des milliers de niveaux) : simplifiez-le",
  "template-empty":
    "le gabarit n'a pas produit de document MJML (<mjml>…</mjml>) : vérifiez templates/email/layout.mjml.hbs",
  "email-unsubscribe":
    "l'e-mail n'a plus de lien de désinscription : gardez href=\"{{unsubscribeUrl}}\" dans un gabarit (templates/email/partials/footer.hbs)",
  "email-view-online":
    "l'e-mail n'a plus de lien « Voir dans le navigateur » : gardez href=\"{{issue.url}}\" dans un gabarit (templates/email/partials/header.hbs)",
  mjml: "MJML : {detail}",
  "mjml-section": "MJML : {detail} (dans la section {field}, gabarit {template})",
  // build
  "email-size":
    "e-mail de {size} Ko : au-delà de 102 Ko, Gmail le coupe (« [Message tronqué] ») ; raccourcissez le contenu ou retirez des sections",
  "file-read": "lecture impossible : {detail}",
  "file-write": "écriture impossible : {detail}",
  "asset-missing":
    "« {value} » introuvable : le fichier {file} n'existe pas (vérifiez le nom, les majuscules et le dossier)",
  "out-not-dir":
    "le dossier de sortie est un fichier : choisissez un autre --out ou supprimez ce fichier",
  "is-directory": "c'est un dossier, pas un fichier",
  encoding:
    "le fichier n'est pas en UTF-8 (caractères accentués illisibles) : enregistrez-le en « UTF-8 » depuis votre éditeur",
  extension:
    "« {value} » est ignoré : renommez-le « {suggestion} » pour qu'il soit lu comme une lettre",
  "internal-error": "erreur interne : {detail} (relancez avec --debug et signalez-la)",
  // CLI
  "cli-usage": `Utilisation : lettre <commande> [options]

Commandes :
  init <dossier>   crée le projet d'une nouvelle lettre (--yes : sans questions ; --name,
                   --url, --sender-name, --sender-address, --lang ; --force : dossier non vide)
  build            construit les e-mails (dist/email/) et l'archive web (dist/archive/)
  check            vérifie les lettres, la configuration et les gabarits, sans rien écrire
  new <slug>       crée newsletters/<slug>.md avec tous les types de section en commentaire
  dev              aperçu dans le navigateur, reconstruit et recharge à chaque sauvegarde
  list …           listes d'abonnés : import <liste> <fichier.csv>, show, export, remove
  send <lettre>    envoie une lettre à une liste (--list) ; send status <lettre>
  subscriber …     une personne : show <adresse> (abonnements, consentement, historique),
                   forget <adresse> --yes (effacement RGPD)
  serve            sert l'archive, l'inscription et la désinscription (--port, --host) ;
                   --inbox : lit aussi la boîte des retours toutes les inbox.every minutes
  inbox            lit la boîte des retours (IMAP) : erreurs, plaintes, désinscriptions ;
                   inbox classify <fichier.eml>… [--json] : dit ce qu'est chaque message
  templates        les gabarits que le projet remplace ; templates eject <fichier> en copie
                   un pour le modifier ; templates diff : ce que lettre y a changé depuis ;
                   templates update <fichier> [--resolved] : y reporte ces changements

Options :
  --drafts         inclut les brouillons (draft: true) ; toujours inclus par dev
  --watch          (build) reconstruit à chaque sauvegarde, sans serveur d'aperçu
  --port <n>       (dev) port du serveur d'aperçu (par défaut : un port libre) ;
                   (serve) port du serveur (par défaut : 8080)
  --host <adresse> (serve) adresse d'écoute (par défaut : 127.0.0.1)
  --strict         échoue aussi sur les avertissements (e-mail de plus de 102 Ko…)
  --root <dossier> racine du projet (par défaut : le dossier courant)
  --out <dossier>  dossier de sortie (par défaut : dist)
  --lang fr|en     langue des messages
  --debug          affiche la pile d'appels des erreurs internes
  -v, --version    affiche la version de lettre
  -h, --help       affiche cette aide`,
  "cli-unknown-command": "commande inconnue « {value} »{suggestion}",
  "cli-bad-option": "option non valable : {detail}",
  "cli-unknown-option": "option inconnue « {value} »{suggestion}",
  "cli-extra-argument": "argument en trop « {value} » : la commande {command} n'en prend pas",
  "cli-built": "{count} lettre(s) construite(s) dans {dir}",
  "cli-email-line": "  {file}  {size} Ko, texte {textSize} Ko",
  "cli-archive":
    "archive web : {dir} ({count} pages, flux Atom et JSON, agenda .ics, plan du site)",
  "cli-checked": "{count} lettre(s), la configuration et les gabarits sont valables",
  "cli-failed": "{count} erreur(s) : rien n'a été écrit, la sortie précédente est conservée",
  "cli-check-failed": "{count} erreur(s)",
  "cli-warnings": "{count} avertissement(s) :",
  "cli-strict-failed":
    "--strict : les avertissements comptent comme des erreurs ; rien n'a été écrit",
  "cli-no-issues": "aucune lettre dans newsletters/ : créez-en une avec « npx lettre new <slug> »",
  "cli-drafts-skipped": "{count} brouillon(s) ignoré(s) (--drafts pour les inclure) : {list}",
  "cli-new-needs-slug": "indiquez le nom de la lettre : npx lettre new 2026-s1",
  "cli-new-exists": "{file} existe déjà : choisissez un autre nom",
  "cli-new-created": "{file} créé : remplissez-le puis lancez « npx lettre build »",
  "preview-title": "Aperçu des lettres",
  "preview-archive": "archive web",
  "preview-size": "{size} Ko sur 102 Ko (coupure de Gmail)",
  "preview-draft": "brouillon",
  "preview-open-email": "ouvrir l'e-mail seul",
  "preview-open-page": "ouvrir la page web",
  "preview-desktop": "Ordinateur (600 px)",
  "preview-phone": "Téléphone (375 px)",
  "preview-text": "Version texte",
  "preview-page": "Page de l'archive web",
  "preview-problem":
    "La dernière sauvegarde a des erreurs : l'aperçu montre la dernière version valable.",
  "dev-listening": "aperçu sur {url} (Ctrl-C pour arrêter)",
  "dev-watching":
    "surveillance de newsletters/, templates/ et lettre.config.yaml (Ctrl-C pour arrêter)",
  "dev-rebuilt": "reconstruit en {ms} ms : {count} fichier(s) mis à jour",
  "dev-unchanged": "reconstruit en {ms} ms : rien n'a changé",
  "dev-stopped": "arrêté",
  "dev-port-busy":
    "le port {port} est déjà utilisé (un autre « lettre dev » ?) : arrêtez l'autre programme, choisissez un autre port avec --port, ou omettez --port pour un port libre",
  "dev-port-denied":
    "le port {port} est réservé : choisissez un port au-dessus de 1024 avec --port, ou omettez --port pour un port libre",
  "dev-host-refused":
    "refusé : l'aperçu répond seulement à http://127.0.0.1 et http://localhost (nom demandé : « {host} »)",
  "cli-port": "--port : un numéro entre 0 et 65535",
  "list-csv": "fichier CSV illisible : {detail}",
  "list-no-email":
    "aucune colonne d'adresses : nommez-la « email » (ou « courriel », « adresse ») ; colonnes trouvées : {known}",
  "address-empty": "adresse vide",
  "address-line-break": "« {value} » contient un retour à la ligne : une seule adresse par ligne",
  "address-several": "« {value} » contient plusieurs adresses : une seule par ligne",
  "address-display-name":
    "« {value} » contient un nom ou des signes en plus : gardez l'adresse seule (nom@exemple.fr)",
  "address-invalid": "« {value} » n'est pas une adresse e-mail valable",
  "list-name":
    "nom de liste « {value} » non valable : minuscules, chiffres et tirets (par exemple partenaires-2026)",
  "list-imported":
    "liste « {name} » : {added} ajoutée(s), {updated} mise(s) à jour, {merged} doublon(s) fusionné(s), {rejected} refusée(s)",
  "list-suppressed": "{count} adresse(s) désinscrite(s) ou en erreur restent exclues des envois",
  "subscriber-usage":
    "utilisation : lettre subscriber show <adresse> [--json] | forget <adresse> --yes",
  "subscriber-unknown": "lettre ne connaît pas l'adresse {address}",
  "subscriber-was-forgotten":
    "{address} a été effacée le {at} (droit à l'effacement) : seule une empreinte est gardée, pour ne plus jamais lui écrire",
  "subscriber-forgotten-already": "{address} est déjà effacée : seule son empreinte est gardée",
  "subscriber-forget-confirm":
    "effacer tout ce qui concerne {address} (ci-dessus) ? L'adresse ne sera plus jamais importée ni destinataire. Relancez avec --yes pour effacer",
  "subscriber-forgotten":
    "{address} effacée ({rows} ligne(s)) : seule une empreinte (hachage à clé) reste, pour qu'elle ne reçoive plus rien",
  "subscriber-lists": "Listes :",
  "subscriber-sends": "Envois : {count} message(s) dans le journal",
  "subscriber-forget-incomplete":
    "un autre programme lisait la base (sauvegarde, lettre serve…) : des copies effacées peuvent rester dans .lettre/ jusqu'à ce qu'il finisse ; relancez la même commande ensuite pour finir le nettoyage",
  "subscriber-status-subscribed": "abonné",
  "subscriber-status-pending": "en attente de confirmation",
  "subscriber-status-unsubscribed": "désinscrit",
  "subscriber-status-bounced": "en erreur (adresse rejetée)",
  "subscriber-status-complained": "a signalé la lettre comme spam",
  "subscriber-suppressed": "Exclue de tout envoi : {reason}, le {at}",
  "subscriber-consent": "Consentement (inscriptions par le formulaire) :",
  "subscriber-signup":
    "listes {lists} : demandée le {asked}, confirmée le {confirmed}, depuis {page}, IP {ip} ; texte montré :",
  "subscriber-not-confirmed": "(pas confirmée)",
  "subscriber-history": "Historique :",
  "audit-signed-up": "inscription demandée",
  "audit-confirmed": "inscription confirmée",
  "audit-subscribed": "ajouté",
  "audit-unsubscribed": "désinscrit",
  "audit-expired": "demande expirée",
  "audit-bounced": "adresse rejetée",
  "audit-complained": "plainte pour spam",
  "audit-soft-bounce": "erreur temporaire",
  "audit-confirmation-failed": "e-mail de confirmation non parti",
  "audit-forgotten": "effacé",
  "audit-by-form": "formulaire",
  "audit-by-link": "lien",
  "audit-by-one-click": "désinscription en un clic",
  "audit-by-mailto": "e-mail",
  "audit-by-editor": "éditeur",
  "audit-by-bounce": "rejet",
  "audit-by-complaint": "plainte",
  "audit-by-import": "import",
  "audit-by-expiry": "expiration",
  "list-unknown": "liste « {value} » inconnue ; listes : {known}",
  "list-shown": "liste « {name} » : {count} abonné(s), dont {suppressed} exclu(s) des envois",
  "list-removed":
    "{count} abonné(s) retiré(s) de la liste « {name} » (les désinscriptions sont gardées)",
  "list-usage":
    "utilisation : lettre list import <liste> <fichier.csv> | show <liste> | export <liste> [fichier.csv] | remove <liste> [adresse] | unsubscribe <adresse | lien ou objet d'une demande de désinscription>",
  "list-unsubscribed": "{value} est désinscrit : plus aucun envoi, quelle que soit la liste",
  "list-none":
    "aucune liste : importez-en une avec « npx lettre list import <liste> <fichier.csv> »",
  "send-usage":
    "utilisation : lettre send <lettre> --list <liste> [--yes] [--dry-run] [--test <adresse>] [--resend-unknown] [--transport <url>] | lettre send status <lettre> [--json|--csv]",
  "send-status-none": "« {slug} » n'a encore été envoyée à aucune liste",
  "send-status-line":
    "liste « {list} » : {sent} envoyé(s), {failed} en échec, {deferred} différé(s), {unknown} incertain(s), {remaining} restant(s)",
  "send-status-returned":
    "  retours : {hard} en erreur définitive, {soft} temporaire(s), {complaint} plainte(s) pour spam",
  "send-unknown-issue": "lettre « {slug} » introuvable ; lettres : {known}",
  "send-draft": "« {slug} » est un brouillon (draft: true) : enlevez cette ligne pour l'envoyer",
  "send-secret":
    "LETTRE_UNSUBSCRIBE_SECRET n'est pas défini : c'est la clé qui signe les liens de désinscription, nécessaire pour envoyer par {transport} (copie --test comprise). Créez-en une avec « openssl rand -base64 32 », gardez-la et donnez-la à chaque envoi (voir README)",
  "send-test-done": "copie de test envoyée à {address} ({response})",
  "send-plan":
    "« {title} » → liste « {list} » par {transport} : {total} destinataire(s) ({suppressed} exclu(s) : désinscrits, en erreur ou pas encore confirmés), {sent} déjà envoyé(s), {toSend} à envoyer",
  "send-unknown-plan":
    "{count} envoi(s) incertain(s) (arrêt brutal d'un envoi précédent) : non renvoyés, sauf avec --resend-unknown",
  "send-nothing": "rien à envoyer : tout est déjà envoyé",
  "send-confirm-needed": "confirmation nécessaire : relancez avec --yes pour envoyer",
  "send-confirm":
    "Envoyer « {title} » à {toSend} destinataire(s) de la liste « {list} » ? (oui/non) ",
  "send-cancelled": "envoi annulé",
  "send-stopping": "arrêt demandé : fin des messages en cours…",
  "send-interrupted":
    "envoi interrompu : relancez la même commande pour reprendre là où il s'est arrêté",
  "send-unknown-found":
    "{count} message(s) étaient en cours lors d'un arrêt brutal : sort incertain, listés ci-dessous ; « --resend-unknown » les renvoie",
  "send-fatal":
    "envoi arrêté : le serveur refuse tout l'envoi ({detail}) ; vérifiez l'expéditeur, le mot de passe ou le contenu, puis relancez (rien n'a été perdu)",
  "send-running": "un envoi de cette lettre à cette liste est déjà en cours ({detail})",
  "send-eta": "reste ~{eta} s",
  "send-progress": "{done}/{total} messages ({rate}/s)",
  warning: "avertissement",
  // hardening b2: transports, database, send journal
  "transport-invalid":
    "transport « {value} » non reconnu{suggestion} ; formes acceptées : outbox:<dossier> (fichiers .eml), smtp://hôte:port, smtps://utilisateur@hôte:port, ses://<région AWS>",
  "transport-ses-region":
    "transport « {value} » : donnez une région AWS après ses://, par exemple ses://eu-west-3",
  "transport-password":
    "transport « {value} » : le mot de passe ne va jamais dans l'adresse du serveur ; enlevez-le et donnez-le par la variable d'environnement LETTRE_SMTP_PASSWORD",
  "send-transport-option": "option --transport : {detail}",
  "send-transport-error": "envoi impossible : {detail}",
  "database-locked":
    "la base est verrouillée par un autre programme depuis plus de {seconds} secondes (un autre « lettre » en cours, un outil SQLite ouvert dessus ?) : attendez qu'il ait fini ou fermez-le, puis relancez la commande",
  "database-readonly":
    "lettre ne peut pas écrire dans la base (le fichier ou le dossier .lettre est en lecture seule) : rendez-les modifiables (chmod u+w .lettre .lettre/lettre.db) ou lancez lettre avec l'utilisateur à qui ils appartiennent, puis relancez",
  "database-corrupt":
    "ce fichier n'est pas une base de données lettre lisible (écrasé ou abîmé : {detail}) : remettez votre dernière sauvegarde de .lettre/lettre.db ; à défaut, renommez ce fichier pour le garder, puis réimportez vos listes dans une base neuve (le journal des envois et les désinscriptions qu'il contenait seraient perdus)",
  "database-full":
    "le disque est plein : libérez de la place, puis relancez (ce qui était déjà noté dans la base est gardé)",
  "database-io":
    "erreur de lecture ou d'écriture du disque ({detail}) : vérifiez le disque (support retiré, partage réseau coupé ?), puis relancez",
  "database-is-folder":
    "c'est un dossier, pas un fichier : déplacez ou renommez ce dossier, lettre créera la base à sa place",
  "database-cantopen":
    "impossible d'ouvrir ce fichier ({detail}) : vérifiez que le dossier .lettre existe et vous est accessible, puis relancez",
  "database-other":
    "erreur de la base de données ({detail}) : relancez avec --debug et signalez-la",
  "database-folder-file":
    "le dossier .lettre ne peut pas être créé : un fichier porte ce nom ; renommez-le (ou déplacez-le), lettre créera le dossier",
  "database-folder":
    "le dossier .lettre ne peut pas être créé ({detail}) : donnez le droit d'écriture sur le dossier du projet, ou lancez lettre depuis un dossier qui vous appartient",
  "send-db-lost":
    "envoi arrêté : la base .lettre/lettre.db a été supprimée ou remplacée pendant l'envoi ; ce que cet envoi a fait ({count} message(s) envoyé(s)) ne peut pas y être noté",
  "send-db-rescued":
    "lettre a sauvé le journal à jour dans {file} : pour reprendre, remettez-le à sa place (mv {file} .lettre/lettre.db), puis relancez la même commande ; sans lui, une reprise renverrait la lettre à ceux qui l'ont déjà reçue",
  "send-db-not-rescued":
    "la copie de secours du journal a échoué ({detail}) : remettez votre sauvegarde de .lettre/lettre.db avant toute reprise, et ne renvoyez pas la lettre aux adresses ci-dessous, qui l'ont reçue (ou peut-être reçue) pendant cet envoi :",
  "send-edition-changed":
    "attention : la lettre a changé ({what}) depuis le début de son envoi à la liste « {list} » (version figée le {date}, déjà reçue par {sent} destinataire(s)) ; tous les destinataires d'un envoi reçoivent la même version : la suite de l'envoi utilise la version figée, pas la version modifiée",
  "send-edition-subject": "titre modifié",
  "send-edition-content": "contenu modifié",
  "send-edition-both": "titre et contenu modifiés",
  "send-edition-new":
    "pour que toute la liste reçoive le texte modifié, il faudrait un nouvel envoi (une nouvelle lettre, sous un autre nom de fichier), à faire délibérément ; lettre ne l'envoie pas à la place de la version commencée",
  "send-edition-dry-run":
    "--dry-run : rien n'est envoyé ; un envoi réel enverrait la version figée le {date}",
  "send-edition-yes": "--yes : envoi de la version figée le {date}",
  "send-confirm-frozen":
    "Envoyer la version figée de « {title} » à {toSend} destinataire(s) de la liste « {list} » ? (oui/non) ",
  "send-status-frozen": "  version envoyée : figée le {date} (au premier envoi)",
  "send-status-sending-running":
    "  {count} message(s) en cours d'envoi en ce moment (envoi en cours, processus {pid})",
  "send-status-sending-killed":
    "  {count} message(s) interrompus en cours d'envoi (arrêt brutal) : reçus ou non, on ne sait pas ; la reprise les comptera incertains, « --resend-unknown » les renverra",
  "transport-dkim-key":
    "sending.dkim est configuré mais la clé privée manque : donnez-la par la variable d'environnement LETTRE_DKIM_PRIVATE_KEY (le contenu du fichier .pem), ou enlevez sending.dkim",
  // hardening c
  "out-not-lettre":
    "dossier de sortie refusé : il n'est pas vide et ce n'est pas lettre qui l'a créé (il n'a pas de fichier {marker}) ; une construction y remplacerait les dossiers email/ et archive/ et effacerait vos fichiers. Choisissez avec --out un dossier vide ou nouveau, ou videz vous-même celui-ci",
  "control-char":
    "{count} caractère(s) de contrôle invisible(s) ({chars}) retiré(s) du texte publié : souvent un saut de ligne collé depuis Word ; supprimez-le(s) ici",
  "theme-contrast-accent":
    "« {value} » sur le fond {background} : contraste de {ratio}:1, en dessous des 4,5:1 qu'exige l'accessibilité (WCAG AA) pour les étiquettes de section (petit texte) ; écrivez par exemple « {suggestion} », la même teinte plus foncée ({suggested}:1)",
  "theme-contrast-primary":
    "« {value} » sur le fond {background} : contraste de {ratio}:1, en dessous des 4,5:1 qu'exige l'accessibilité (WCAG AA) pour les liens et le texte blanc des boutons ; écrivez par exemple « {suggestion} », la même teinte plus foncée ({suggested}:1)",
  // hardening b1
  "send-secret-short":
    "LETTRE_UNSUBSCRIBE_SECRET est trop courte ({bytes} octets) : il en faut au moins 32 pour que personne ne puisse deviner les liens de désinscription. Créez-en une avec « openssl rand -base64 32 » (voir README)",
  "send-secret-preview":
    "LETTRE_UNSUBSCRIBE_SECRET n'est pas défini : les fichiers de l'outbox sont des aperçus (en-tête X-Lettre-Outbox: unsigned-preview), leurs liens de désinscription ne sont pas signés",
  // hardening a: symbolic links, file sizes, Markdown limits, alt text
  "file-missing": "le fichier n'existe pas",
  "file-outside":
    "« {file} » mène, par un lien symbolique, à {target}, hors du dossier où il doit être : lettre ne lit et ne publie que les fichiers du projet ; remplacez le lien par une copie du fichier",
  "file-not-regular":
    "« {file} » n'est pas un fichier ordinaire (tube, périphérique…) : lettre ne le lit pas ; mettez-y un vrai fichier",
  "file-too-big":
    "fichier de {size}, au-delà de la limite de {max} : un e-mail est coupé par Gmail bien avant (102 Ko) ; découpez ce numéro en plusieurs ou allégez-le",
  "asset-refused": "« {value} » refusé : {detail}",
  "asset-too-big":
    "fichier de {size}, au-delà de la limite de {max} pour un fichier publié : réduisez l'image ou le document, ou mettez-le en ligne ailleurs et faites un lien https://",
  "link-outside":
    "lien symbolique vers {target}, hors de newsletters/ : lettre ne le suit pas (ni lettre dev, ni la publication) ; remplacez-le par une copie des fichiers utiles",
  "template-asset-link":
    "lien vers un dossier : lettre ne suit pas les liens de dossiers ; copiez le dossier à cet endroit",
  "markdown-nesting":
    "listes ou citations imbriquées sur {depth} niveaux (au plus {max}) : simplifiez ce passage",
  "markdown-nested-lines":
    "trop de sous-listes ou de citations imbriquées ({count} lignes, au plus {max} dans un numéro) : sa mise en page prendrait des minutes ; mettez ces éléments à plat ou répartissez-les en plusieurs numéros",
  "markdown-blocks":
    "trop de lignes de texte (lignes, éléments de liste, cases de tableau) dans ce numéro : au plus {max} ; Gmail coupe l'e-mail bien avant ; découpez ce numéro en plusieurs",
  "markdown-marks":
    "trop de signes de mise en forme (liens, gras, italique…) dans ce numéro : au plus {max} ; découpez ce numéro en plusieurs",
  "markdown-markup":
    "paragraphe trop chargé en signes de mise en forme ({count} signes parmi * _ ~ ` [ ] < & ! \\ sur {chars} caractères) : sa mise en page prendrait des minutes ; séparez-le en paragraphes par des lignes vides ou retirez ces signes",
  "img-alt-missing":
    'image « {value} » sans texte alternatif : ajoutez alt="…" décrivant l\'image pour les lecteurs d\'écran (alt="" si elle est purement décorative)',
  "markdown-alt-empty":
    "image « {value} » sans texte alternatif : décrivez-la entre les crochets, ![ce que montre l'image]({value})",
  // review of issue 8
  "cli-output-failed":
    "la sortie de la commande n'a pas pu être écrite ({detail}) : disque plein ou fichier impossible à écrire ? libérez de la place ou choisissez un autre fichier, puis relancez",
  "http-url":
    "« {value} » n'est pas une adresse web : écrivez-la en entier, par exemple https://lettre.datalab-normandie.fr",
  "yaml-too-deep":
    "valeur imbriquée trop profondément (des milliers de [ ou de { ?) : une valeur de l'en-tête tient en quelques niveaux ; corrigez cette ligne",
  "text-too-big":
    "fichier de {size}, au-delà de la limite de {max} pour un fichier de réglages ou un gabarit : un fichier de cette taille n'est pas ce que lettre attend ici ; vérifiez que c'est le bon fichier",
  "cli-root-missing":
    "--root : le dossier « {value} » n'existe pas (ou n'est pas un dossier) : donnez le dossier du projet, celui qui contient lettre.config.yaml",
  "out-denied":
    "lettre ne peut pas écrire dans le dossier de sortie ({code} sur {path}) : donnez-vous le droit d'y écrire (ou choisissez un autre dossier avec --out), puis relancez ; la sortie précédente est conservée",
  "out-full":
    "le disque est plein ({path}) : libérez de la place, puis relancez ; la sortie précédente est conservée",
  "cache-lost":
    "un fichier gardé par la construction précédente a disparu pendant celle-ci ({file}) : relancez ; la sortie précédente est conservée",
  "serve-port":
    "lettre serve ne peut pas écouter sur {host}:{port} ({code}) : arrêtez le programme qui l'occupe, ou choisissez un autre port (--port, au-dessus de 1024) ou une autre adresse (--host)",
  "cli-serving":
    "lettre sert {url} : l'archive de {dir}, l'inscription et la désinscription (Ctrl-C pour arrêter)",
  "serve-not-built":
    "{dir}/ n'existe pas encore : lancez « npx lettre build » ; en attendant, seules l'inscription et la désinscription répondent",
  "serve-expiry-failed":
    "les inscriptions non confirmées n'ont pas pu être effacées cette heure-ci ({detail}) ; nouvel essai dans une heure",
  "serve-internal": "erreur interne de lettre serve : {detail}",
  "serve-outbox":
    "sending.transport est la boîte d'envoi ({folder}/) : les e-mails de confirmation des inscriptions y sont écrits, personne ne les reçoit ; donnez un serveur SMTP ou SES pour un vrai service",
  "serve-confirmation-failed":
    "l'e-mail de confirmation d'une inscription n'a pas pu partir : {detail}",
  "inbox-usage":
    "utilisation : lettre inbox (une passe sur la boîte des retours) ou lettre inbox classify <fichier.eml>… [--json]",
  "inbox-not-configured":
    "aucune boîte des retours : ajoutez inbox.imap (host, user) à lettre.config.yaml et le mot de passe dans LETTRE_IMAP_PASSWORD (voir README)",
  "inbox-password":
    "LETTRE_IMAP_PASSWORD n'est pas défini : donnez le mot de passe de la boîte des retours dans cette variable d'environnement",
  "inbox-plaintext":
    "inbox.imap.security: none n'est permis que vers cette machine (127.0.0.1, localhost) ; pour {host}, choisissez tls ou starttls : le mot de passe ne doit pas circuler en clair",
  "inbox-connect":
    "lettre ne peut pas se connecter à la boîte des retours {host} : {detail} ; vérifiez inbox.imap dans lettre.config.yaml et LETTRE_IMAP_PASSWORD",
  "inbox-mailbox":
    "le dossier « {mailbox} » de la boîte des retours ne s'ouvre pas : {detail} ; vérifiez inbox.imap.mailbox",
  "inbox-same-folder":
    "inbox.imap.processed est le dossier lu ({folder}) : choisissez un autre dossier pour les messages traités",
  "inbox-failed":
    "la boîte des retours {host} a cessé de répondre pendant la lecture : {detail} ; ce qui était fait est enregistré ({done}) ; relancez pour le reste",
  "inbox-no-secret":
    "LETTRE_UNSUBSCRIBE_SECRET n'est pas défini : les demandes de désinscription par e-mail sont laissées dans la boîte",
  "inbox-summary":
    "{read} message(s) lu(s), {moved} rangé(s) dans « {folder} » : {suppressed} adresse(s) écartée(s), {counted} erreur(s) temporaire(s) comptée(s), {unsubscribed} désinscription(s), {already} déjà traité(s) ; {left} laissé(s) tel(s) quel(s)",
  "inbox-classify-line": "{file} : {kind}{permanence}{recipients}",
  "inbox-permanent": " (définitive)",
  "inbox-temporary": " (temporaire)",
  "inbox-file-error": "{file} : {detail}",
  "inbox-file-missing": "fichier introuvable : vérifiez le chemin",
  "inbox-file-denied": "lecture refusée : donnez-vous le droit de lire ce fichier",
  "inbox-file-not-file": "ce n'est pas un fichier (un dossier ?) : donnez un fichier .eml",
  "inbox-file-too-large":
    "trop gros ({size} Ko) pour un message renvoyé : rien n'est lu au-delà de 10 Mo",
  "inbox-file-unreadable": "illisible : {detail}",
  "inbox-pass-failed":
    "la lecture de la boîte des retours a échoué : {detail} ; nouvel essai à la prochaine passe",
  "serve-needs-secret":
    "LETTRE_UNSUBSCRIBE_SECRET n'est pas défini : c'est la clé qui a signé les liens de désinscription des emails envoyés ; donnez la même à lettre serve (voir README)",
  "send-preview-written":
    "aperçu : {count} message(s) écrit(s) dans {folder}/ ; rien n'est noté comme envoyé (sans LETTRE_UNSUBSCRIBE_SECRET, ce ne sont que des aperçus : l'envoi réel reste à faire)",
  "markdown-footer":
    "le pied de page est trop long ou trop chargé en mise en forme (listes imbriquées, milliers de lignes ou de signes * _ [ ]) : sa mise en page prendrait des minutes à chaque e-mail et chaque page ; raccourcissez-le à quelques paragraphes",
  "unsubscribe-not-understood":
    "« {value} » n'est ni une adresse, ni un lien ou un objet de demande de désinscription (« unsubscribe <jeton> ») : collez l'adresse, le lien ou l'objet du message tel quel, entre guillemets",
  "unsubscribe-needs-secret":
    "pour lire une demande de désinscription, lettre a besoin de la clé qui a signé le lien : définissez LETTRE_UNSUBSCRIBE_SECRET comme pour l'envoi",
  "unsubscribe-bad-token":
    "ce lien de désinscription n'a pas été fait avec la clé LETTRE_UNSUBSCRIBE_SECRET actuelle (modifié, tronqué ou signé avec une autre clé) : personne n'est désinscrit ; demandez l'adresse à la personne et désinscrivez-la par son adresse",
  "unsubscribe-preview-token":
    "ce lien vient d'un aperçu de l'outbox (clé publique, sans LETTRE_UNSUBSCRIBE_SECRET) : il ne prouve rien, personne n'est désinscrit",
  // review y
  "placeholder-unfilled":
    "« {value} » ne sera pas rempli à l'envoi : il coupe une balise ou une mise en forme (gras, italique, balise HTML dans le texte de repli), et les lecteurs le verraient tel quel ; écrivez-le d'un seul tenant, en texte simple, par exemple **{{subscriber.firstName|Madame, Monsieur}}**",
  "placeholder-encoded":
    "« {value} » est dans l'adresse d'un lien ou d'une image : il y est encodé (%7B%7B…) et ne sera jamais rempli ; retirez-le de l'adresse (il peut rester dans le texte du lien)",
  "logo-missing":
    "logo « {value} » introuvable : un logo donné par un chemin se lit dans newsletters/, comme les images des numéros, et le fichier {file} n'existe pas ; placez-le là, ou donnez une adresse https://",
  "logo-taken":
    "logo « {value} » : l'archive publie déjà un autre fichier à cette adresse (un numéro, ses images ou les fichiers du site) ; rangez le logo ailleurs dans newsletters/, par exemple images/logo-site.png",
  // review x: sending and lists
  "send-db-leftovers-removed":
    "lettre a effacé {files}, restes de la base supprimée : laissés là, SQLite les aurait rejoués sur le fichier remis à sa place et l'aurait abîmé",
  "send-db-leftovers-replaced":
    "un autre fichier a pris la place de .lettre/lettre.db : lettre a laissé {files}, qui peuvent lui appartenir ; avant de remettre le journal sauvé à sa place, arrêtez toute commande lettre, puis supprimez {files} : sinon SQLite les rejouerait sur le journal remis et l'abîmerait",
  "send-db-leftovers-stuck":
    "lettre n'a pas pu effacer {files} ({detail}), restes de la base supprimée : supprimez-les avant de remettre le journal sauvé à sa place, sinon SQLite les rejouerait dessus et l'abîmerait",
  "send-tls-required":
    "envoi arrêté : le serveur {transport} ne chiffre pas la connexion (pas de STARTTLS) : lettre ne lui a pas envoyé le mot de passe, qui y passerait en clair ({detail}). Utilisez smtps://utilisateur@serveur:465 si votre fournisseur le propose, ou un serveur qui accepte STARTTLS (port 587) ; personne n'est exclu et rien n'est perdu : relancez la même commande une fois le transport corrigé",
  "send-tls-certificate":
    "envoi arrêté : le certificat du serveur {transport} n'est pas valable ({detail}) : rien n'a été envoyé ; vérifiez que le nom du serveur dans le transport est celui de son certificat et que ce certificat n'a pas expiré (votre fournisseur de messagerie le sait) ; personne n'est exclu et rien n'est perdu : relancez la même commande une fois le transport corrigé",
  "send-test-failed": "la copie de test pour {address} n'est pas partie : {reason}",
  "send-reasons": "cause(s) des {count} message(s) différé(s) ou en échec de cet envoi :",
  "send-reason-deferred": "  {count} différé(s) : {reason}",
  "send-reason-failed":
    "  {count} en échec (adresse refusée, exclue des prochains envois) : {reason}",
  "send-reasons-more": "  {count} autre(s) message(s), pour {reasons} autre(s) cause(s)",
  "send-reason-connection":
    "le serveur {transport} n'a pas pu être joint : vérifiez son adresse et son port (sending.transport dans lettre.config.yaml, ou --transport), votre connexion au réseau et le pare-feu (certains réseaux bloquent les ports 25, 465 et 587), puis relancez la commande",
  "send-reason-resume":
    "la même commande relancée enverra les messages différés ; ceux déjà reçus ne repartiront pas",
  "send-reason-connection-ses":
    "Amazon SES ({transport}) n'a pas pu être joint : vérifiez la région, votre connexion au réseau et le pare-feu (et LETTRE_SES_ENDPOINT s'il est défini), puis relancez la commande",
  "unsubscribe-url-http":
    "« {value} » : la page de désinscription doit être en https:// ; le désabonnement en un clic (RFC 8058), que Gmail et Yahoo demandent aux envois en nombre, ne passe que par https. Écrivez « {https} » (la page doit y répondre)",
  "unsubscribe-url-mailto":
    "« {value} » : unsubscribeUrl est l'adresse https:// d'une page web ; une adresse e-mail de désinscription va dans sending.unsubscribeMailto (« unsubscribeMailto: {address} »)",
  "unsubscribe-url":
    "« {value} » n'est pas l'adresse d'une page web : écrivez l'adresse https:// de la page de désinscription (https://exemple.fr/desinscription)",
  "send-unsubscribe-http":
    "attention : le lien de désinscription sera {url} (site.url), en http : sans https, les messageries n'offrent pas le désabonnement en un clic (RFC 8058) que Gmail et Yahoo demandent aux envois en nombre ; publiez le site en https ou donnez une page https:// dans sending.unsubscribeUrl",
  "send-secret-weak":
    "LETTRE_UNSUBSCRIBE_SECRET n'a pas été tirée au hasard ({why}) : on pourrait la deviner et fabriquer des liens qui désinscrivent n'importe quel lecteur. Créez-en une avec « openssl rand -base64 32 » (voir README)",
  "send-secret-blank": "rien que des espaces",
  "send-secret-few": "{count} caractères différents seulement",
  "send-secret-repeated": "un même morceau répété",
  "list-not-file":
    "ce n'est pas un fichier ordinaire (périphérique comme /dev/zero, tube, prise…) : lettre ne lit une liste que depuis un fichier CSV",
  "list-too-big":
    "fichier de {size}, au-delà de la limite de {max} (environ 500 000 abonnés) : ce n'est sans doute pas une liste d'abonnés ; sinon, découpez-la en plusieurs fichiers importés l'un après l'autre dans la même liste",
  "list-status-ignored":
    "colonne(s) « {columns} » ignorée(s) : lettre list export les écrit ; statut, consentement et historique restent notés par lettre, quelle que soit la liste (renommez une colonne pour la garder comme champ)",
  "list-exported": "liste « {name} » : {count} adresse(s) écrite(s) dans {file}",
  "list-export-write":
    "écriture impossible ({detail}) : donnez le nom d'un fichier dans un dossier où vous pouvez écrire",
  // lettre init
  "init-folder": "le dossier {folder} ne peut pas être lu ({detail})",
  "init-not-empty":
    "le dossier {folder} n'est pas vide ({count} élément(s)) : choisissez un nouveau dossier, ou ajoutez --force pour y ajouter le projet sans remplacer aucun fichier",
  "init-kept": "{file} existe déjà : gardé tel quel",
  "init-write":
    "{file} ne peut pas être écrit ({detail}) : vérifiez que vous pouvez écrire dans ce dossier et qu'il reste de la place ; les fichiers déjà écrits restent",
  "init-kept-package":
    "votre package.json est gardé : ajoutez-y, dans « dependencies », {dependencies}",
  "init-done": "projet de la lettre « {name} » créé dans {folder}",
  "init-next": `Pour la suite :
  {cd}npm install && npx lettre build
  npx lettre dev      aperçu dans le navigateur, à chaque sauvegarde
Le README.md du projet dit comment écrire, publier et envoyer chaque numéro.`,
  "init-ask-lang": "Langue de la lettre, fr ou en (language: fr or en) ?",
  "init-bad-lang": "langue « {value} » inconnue : répondez fr ou en",
  "init-ask-name": "Nom de la lettre (en tête de chaque e-mail) ?",
  "init-ask-url": "Adresse publique de l'archive web (https://…) ?",
  "init-ask-senderName": "Nom de l'expéditeur ?",
  "init-ask-senderAddress": "Adresse e-mail de l'expéditeur ?",
  "init-default-name": "Ma lettre",
  "init-issue-title": "Premier numéro de {name}",
  // lettre templates
  "templates-is-builtin":
    "templates/ est ici le thème intégré de lettre lui-même (le dépôt de lettre) : il n'y a rien à remplacer",
  "templates-usage-unknown":
    "« lettre templates {value} » inconnu{suggestion} : lettre templates [eject|diff|update] <fichier>",
  "templates-none":
    "ce projet n'a pas de gabarit à lui : il utilise les {count} fichiers du thème intégré de lettre {version} ; « npx lettre templates eject <fichier> » en copie un pour le modifier",
  "templates-own":
    "gabarits du projet (templates/), utilisés à la place de ceux de lettre {version} :",
  "templates-status-own": "propre au projet (le thème intégré n'a pas de fichier de ce nom)",
  "templates-status-current":
    "à jour : copié de lettre {from}, le gabarit intégré n'a pas changé depuis",
  "templates-status-changed":
    "copié de lettre {from} ; lettre a changé ce gabarit depuis : npx lettre templates diff {file}",
  "templates-status-same": "identique au gabarit intégré",
  "templates-status-edited":
    "modifié, sans trace de la version copiée : npx lettre templates diff {file}",
  "templates-file-status": "{file} : {status}",
  "templates-used":
    "{count} autre(s) fichier(s) du thème intégré utilisé(s) tel(s) quel(s) ; « npx lettre templates eject <fichier> » en copie un pour le modifier",
  "templates-ambiguous": "« {value} » désigne plusieurs fichiers : précisez lequel ({known})",
  "templates-unknown":
    "« {value} » n'est pas un fichier du thème intégré{suggestion} ; « npx lettre templates eject » les liste",
  "templates-eject-which": "quel fichier copier ? Les fichiers du thème intégré :",
  "templates-eject-exists":
    "{file} existe déjà dans le projet : il n'est pas remplacé (« npx lettre templates diff {file} » montre ce que lettre y a changé)",
  "templates-ejected":
    "{file} copié de lettre {version} : modifiez-le, lettre l'utilise à la place du gabarit intégré",
  "templates-labels-hint":
    "templates/labels.yaml : seuls les libellés que vous changez ont besoin d'y rester ; les autres viennent du thème intégré, y compris ceux que lettre ajoutera",
  "templates-diff-changed":
    "{file} : ce que lettre a changé dans ce gabarit depuis votre copie ({from} → {to}) :",
  "templates-diff-update":
    "pour reporter ces changements dans votre fichier : npx lettre templates update {file}",
  "templates-diff-edited":
    "{file} : pas de trace de la version copiée ; écarts entre votre fichier (−) et le gabarit intégré (+) :",
  "templates-yours": "votre fichier",
  "templates-update-which": "quel fichier mettre à jour ? npx lettre templates update <fichier>",
  "templates-resolved":
    "{file} : noté comme suivant le gabarit intégré de lettre {version} (votre fichier n'est pas modifié)",
  "templates-update-no-record":
    "{file} : pas de trace de la version copiée, les changements ne peuvent pas être reportés seuls ; comparez avec « npx lettre templates diff {file} », reportez-les à la main, puis « npx lettre templates update {file} --resolved »",
  "templates-update-conflict":
    "{file} : vos modifications touchent les mêmes lignes que celles de lettre, rien n'a été changé ; reportez-les à la main (npx lettre templates diff {file}), puis « npx lettre templates update {file} --resolved »",
  "templates-updated": "{file} : les changements de lettre {version} y sont reportés",
  "templates-not-own":
    "{file} n'est pas un gabarit du projet (il vient du thème intégré) : « npx lettre templates eject {file} » le copie",
  "templates-records-unreadable":
    "templates/ejected.yaml n'est pas lisible : lettre y note d'où vient chaque gabarit copié ; remettez la version de votre sauvegarde ou de git, ou supprimez-le (diff comparera alors vos fichiers au thème actuel)",
  "templates-records-header": `Écrit par « lettre templates eject » : le texte dont chaque gabarit a été copié, et la
version de lettre, pour que « lettre templates diff » montre ce que lettre a changé
depuis. Gardez-le avec vos gabarits ; ne le modifiez pas.`,
} as const;

export type MessageKey = keyof typeof fr;

const en: Record<MessageKey, string> = {
  required: "required field is missing: add `{field}: …`",
  "required-item": "required item is missing",
  type: "must be {expected} (found: {received})",
  "unknown-field": 'unknown field "{key}"{suggestion}; known fields: {known}',
  "unknown-section": 'unknown section type "{value}"{suggestion}; known types: {known}',
  "section-type-missing": "every section needs a `type:`, one of: {known}",
  date: '"{value}" is not a calendar date: write YYYY-MM-DD, e.g. 2025-12-15',
  "month-or-date": '"{value}" is not a date: write YYYY-MM-DD (2026-02-12) or YYYY-MM (2026-01)',
  "date-order": "must not be before {other} ({value})",
  url: '"{value}" is not an accepted link: only https://, http:// and mailto: are allowed',
  "image-src":
    '"{value}" is not a usable image: give a relative path (images/photo.jpg) or an https:// address',
  "alt-required": "alt text is missing: add `alt:` describing the image for screen readers",
  slug: 'file name "{value}" is not valid: lowercase letters, digits and dashes only (rename it, e.g. "{suggestion}.md")',
  "slug-reserved":
    'file name "{value}" is taken by a page of the web archive ({known}): rename it, e.g. add the year',
  integer: "must be a whole number greater than or equal to {min}",
  "too-small-array": "must contain at least {min} item(s)",
  "empty-string": "must not be empty",
  lang: 'language "{value}" is not supported: use one of {known}',
  email: '"{value}" is not a single plain email address (e.g. newsletter@datalab.org)',
  color: '"{value}" is not a colour: write it in hexadecimal, e.g. #0b5394',
  secret:
    '"{key}" looks like a secret: secrets never go in the config file, pass them as environment variables',
  "countries-type": "must be a number of countries or a list of countries",
  "partners-type": "must be a number of partners or a list of partners",
  "number-or-text": "must be a number or a text",
  "too-big": "number too large (at most {max})",
  invalid: "invalid value",
  "preheader-long": "{count} characters: past 150, mail clients cut the preview text",
  "frontmatter-missing":
    "front matter is missing: the file must start with a `---` line, then the fields (title:, date:…), then a `---` line",
  "frontmatter-unclosed": "front matter is not closed: add a `---` line after the last field",
  "frontmatter-engine":
    "front matter `---{value}` refused: front matter is YAML data only; start the file with a bare `---`",
  "frontmatter-not-map": "front matter must be a list of `name: value` fields",
  "yaml-syntax":
    "YAML syntax error: {detail} (if the value contains “: ”, “#”, “*”, “&” or quotes, put it between double quotes)",
  "yaml-unclosed-quote":
    "quote opened but never closed: add the missing quote at the end of the value",
  "yaml-colon":
    'the value contains ": ": put it between double quotes, e.g. title: "Summit: the results"',
  "yaml-quote":
    'misplaced quotes: put the value between double quotes, e.g. title: "AI\'s place in our regions"',
  "yaml-anchor":
    '"&{value}" at the start of a value is read as a YAML anchor and would disappear: put the value between double quotes',
  "yaml-alias-unknown":
    '"{value}" at the start of a value is read as a YAML reference: put the value between double quotes, e.g. "{value}"',
  "yaml-duplicate": "this field appears twice: keep only one",
  "yaml-indent": "wrong indentation: align this field with its neighbours (spaces, not tabs)",
  "yaml-unclosed":
    "list [ … ] or group { … } never closed: add the missing ] or } (or quote the text)",
  "yaml-aliases": "too many YAML references (*alias): at most {max} allowed, write the values out",
  "yaml-tag": 'YAML tag "{value}" refused: front matter is data only',
  "config-missing":
    "configuration file not found: is this the project folder? To start a newsletter, `npx lettre init <folder>` creates one",
  "template-missing":
    "template is missing: neither the project nor lettre's built-in theme has it; reinstall lettre (npm install)",
  "template-syntax": "Handlebars syntax error: {detail}",
  "template-unclosed":
    "a {{ … }} tag is badly closed or incomplete on this line (every {{ closes with }})",
  "template-helper": 'unknown helper "{value}"{suggestion}; available helpers: {known}',
  "template-partial": 'partial "{value}" not found{suggestion}; available partials: {known}',
  "template-label": 'label "{value}" is not in templates/labels.yaml{suggestion}',
  "template-section-missing": 'no template for section type "{value}": create {file}',
  "template-runtime": "template error: {detail}",
  "markdown-too-deep":
    "Markdown text nested too deeply (thousands of list or quote levels): simplify it",
  "template-empty":
    "the template produced no MJML document (<mjml>…</mjml>): check templates/email/layout.mjml.hbs",
  "email-unsubscribe":
    'the email no longer has an unsubscribe link: keep href="{{unsubscribeUrl}}" in a template (templates/email/partials/footer.hbs)',
  "email-view-online":
    'the email no longer has a “view in browser” link: keep href="{{issue.url}}" in a template (templates/email/partials/header.hbs)',
  mjml: "MJML: {detail}",
  "mjml-section": "MJML: {detail} (in section {field}, template {template})",
  "email-size":
    "email of {size} KB: past 102 KB Gmail clips it (“[Message clipped]”); shorten the content or remove sections",
  "file-read": "cannot read: {detail}",
  "file-write": "cannot write: {detail}",
  "asset-missing":
    'image "{value}" not found: the file {file} does not exist (check the name, capitals and folder)',
  "out-not-dir": "the output folder is a file: choose another --out or remove that file",
  "is-directory": "it is a folder, not a file",
  encoding:
    "the file is not UTF-8 (accented letters are unreadable): save it as “UTF-8” from your editor",
  extension: '"{value}" is ignored: rename it "{suggestion}" to have it read as an issue',
  "internal-error": "internal error: {detail} (run again with --debug and report it)",
  "cli-usage": `Usage: lettre <command> [options]

Commands:
  init <folder>    creates the project of a new newsletter (--yes: no questions; --name,
                   --url, --sender-name, --sender-address, --lang; --force: non-empty folder)
  build            builds the emails (dist/email/) and the web archive (dist/archive/)
  check            validates issues, config and templates; writes nothing
  new <slug>       creates newsletters/<slug>.md with every section type commented
  dev              preview in the browser, rebuilt and reloaded on every save
  list …           subscriber lists: import <list> <file.csv>, show, export, remove
  send <issue>     sends an issue to a list (--list); send status <issue>
  subscriber …     one person: show <address> (subscriptions, consent, history),
                   forget <address> --yes (GDPR erasure)
  serve            serves the archive, sign-up and unsubscribe (--port, --host);
                   --inbox: also reads the returns mailbox every inbox.every minutes
  inbox            reads the returns mailbox (IMAP): bounces, complaints, unsubscribes;
                   inbox classify <file.eml>… [--json]: says what each message is
  templates        the templates the project replaces; templates eject <file> copies one
                   to edit; templates diff: what lettre changed in them since;
                   templates update <file> [--resolved]: brings those changes in

Options:
  --drafts         include drafts (draft: true); dev always does
  --watch          (build) rebuild on every save, without the preview server
  --port <n>       (dev) port of the preview server (default: a free port);
                   (serve) port of the server (default: 8080)
  --host <address> (serve) address to listen on (default: 127.0.0.1)
  --strict         fail on warnings too (email over 102 KB…)
  --root <dir>     project root (default: current folder)
  --out <dir>      output folder (default: dist)
  --lang fr|en     language of messages
  --debug          print stack traces of internal errors
  -v, --version    print lettre's version
  -h, --help       show this help`,
  "cli-unknown-command": 'unknown command "{value}"{suggestion}',
  "cli-bad-option": "invalid option: {detail}",
  "cli-unknown-option": 'unknown option "{value}"{suggestion}',
  "cli-extra-argument": 'extra argument "{value}": the {command} command takes none',
  "cli-built": "built {count} issue(s) into {dir}",
  "cli-email-line": "  {file}  {size} KB, text {textSize} KB",
  "cli-archive": "web archive: {dir} ({count} pages, Atom and JSON feeds, .ics calendar, sitemap)",
  "cli-checked": "{count} issue(s), the config and the templates are valid",
  "cli-failed": "{count} error(s): nothing was written, the previous output is kept",
  "cli-check-failed": "{count} error(s)",
  "cli-warnings": "{count} warning(s):",
  "cli-strict-failed": "--strict: warnings count as errors; nothing was written",
  "cli-no-issues": "no issue in newsletters/: create one with `npx lettre new <slug>`",
  "cli-drafts-skipped": "{count} draft(s) skipped (--drafts to include them): {list}",
  "cli-new-needs-slug": "give the issue a name: npx lettre new 2026-s1",
  "cli-new-exists": "{file} already exists: choose another name",
  "cli-new-created": "{file} created: fill it in, then run `npx lettre build`",
  "preview-title": "Issue preview",
  "preview-archive": "web archive",
  "preview-size": "{size} KB of 102 KB (Gmail's clip)",
  "preview-draft": "draft",
  "preview-open-email": "open the email alone",
  "preview-open-page": "open the web page",
  "preview-desktop": "Desktop (600 px)",
  "preview-phone": "Phone (375 px)",
  "preview-text": "Plain text",
  "preview-page": "Web archive page",
  "preview-problem": "The last save has errors: the preview shows the last good version.",
  "dev-listening": "preview at {url} (Ctrl-C to stop)",
  "dev-watching": "watching newsletters/, templates/ and lettre.config.yaml (Ctrl-C to stop)",
  "dev-rebuilt": "rebuilt in {ms} ms: {count} file(s) updated",
  "dev-unchanged": "rebuilt in {ms} ms: nothing changed",
  "dev-stopped": "stopped",
  "dev-port-busy":
    "port {port} is already in use (another `lettre dev`?): stop the other program, choose another port with --port, or leave --port out for a free one",
  "dev-port-denied":
    "port {port} is reserved: choose a port above 1024 with --port, or leave --port out for a free one",
  "dev-host-refused":
    'refused: the preview answers only to http://127.0.0.1 and http://localhost (host asked for: "{host}")',
  "cli-port": "--port: a number from 0 to 65535",
  "list-csv": "unreadable CSV file: {detail}",
  "list-no-email": 'no address column: name it "email"; columns found: {known}',
  "address-empty": "empty address",
  "address-line-break": '"{value}" contains a line break: one address per row',
  "address-several": '"{value}" contains several addresses: one per row',
  "address-display-name":
    '"{value}" contains a name or extra signs: keep the address alone (name@example.org)',
  "address-invalid": '"{value}" is not a valid email address',
  "list-name":
    'list name "{value}" is not valid: lowercase letters, digits and dashes (e.g. partners-2026)',
  "list-imported":
    'list "{name}": {added} added, {updated} updated, {merged} duplicate(s) merged, {rejected} rejected',
  "list-suppressed": "{count} unsubscribed or bounced address(es) stay excluded from sends",
  "subscriber-usage": "usage: lettre subscriber show <address> [--json] | forget <address> --yes",
  "subscriber-unknown": "lettre does not know the address {address}",
  "subscriber-was-forgotten":
    "{address} was erased on {at} (right to erasure): only a fingerprint is kept, so that it is never written to again",
  "subscriber-forgotten-already": "{address} is already erased: only its fingerprint is kept",
  "subscriber-forget-confirm":
    "erase everything about {address} (above)? The address will never be imported or sent to again. Run again with --yes to erase",
  "subscriber-forgotten":
    "{address} erased ({rows} row(s)): only a keyed fingerprint remains, so that it receives nothing more",
  "subscriber-lists": "Lists:",
  "subscriber-sends": "Sends: {count} message(s) in the journal",
  "subscriber-forget-incomplete":
    "another program was reading the database (a backup, lettre serve…): erased copies may stay in .lettre/ until it is done; run the same command again then to finish the clean-up",
  "subscriber-status-subscribed": "subscribed",
  "subscriber-status-pending": "waiting for confirmation",
  "subscriber-status-unsubscribed": "unsubscribed",
  "subscriber-status-bounced": "bounced (address refused)",
  "subscriber-status-complained": "complained (reported as spam)",
  "subscriber-suppressed": "Excluded from every send: {reason}, on {at}",
  "subscriber-consent": "Consent (sign-ups through the form):",
  "subscriber-signup":
    "lists {lists}: asked {asked}, confirmed {confirmed}, from {page}, IP {ip}; text shown:",
  "subscriber-not-confirmed": "(not confirmed)",
  "subscriber-history": "History:",
  "audit-signed-up": "sign-up asked",
  "audit-confirmed": "sign-up confirmed",
  "audit-subscribed": "added",
  "audit-unsubscribed": "unsubscribed",
  "audit-expired": "request expired",
  "audit-bounced": "address refused",
  "audit-complained": "spam complaint",
  "audit-soft-bounce": "temporary bounce",
  "audit-confirmation-failed": "confirmation email not sent",
  "audit-forgotten": "erased",
  "audit-by-form": "form",
  "audit-by-link": "link",
  "audit-by-one-click": "one-click unsubscribe",
  "audit-by-mailto": "email",
  "audit-by-editor": "editor",
  "audit-by-bounce": "bounce",
  "audit-by-complaint": "complaint",
  "audit-by-import": "import",
  "audit-by-expiry": "expiry",
  "list-unknown": 'unknown list "{value}"; lists: {known}',
  "list-shown": 'list "{name}": {count} subscriber(s), {suppressed} of them excluded from sends',
  "list-removed": '{count} subscriber(s) removed from list "{name}" (unsubscribes are kept)',
  "list-usage":
    "usage: lettre list import <list> <file.csv> | show <list> | export <list> [file.csv] | remove <list> [address] | unsubscribe <address | link or subject of an unsubscribe request>",
  "list-unsubscribed": "{value} is unsubscribed: no more sends, whatever the list",
  "list-none": "no list: import one with `npx lettre list import <list> <file.csv>`",
  "send-usage":
    "usage: lettre send <issue> --list <list> [--yes] [--dry-run] [--test <address>] [--resend-unknown] [--transport <url>] | lettre send status <issue> [--json|--csv]",
  "send-status-none": '"{slug}" has not been sent to any list yet',
  "send-status-line":
    'list "{list}": {sent} sent, {failed} failed, {deferred} deferred, {unknown} unknown, {remaining} remaining',
  "send-status-returned":
    "  came back: {hard} bounced for good, {soft} temporarily, {complaint} spam complaint(s)",
  "send-unknown-issue": 'issue "{slug}" not found; issues: {known}',
  "send-draft": '"{slug}" is a draft (draft: true): remove that line to send it',
  "send-secret":
    "LETTRE_UNSUBSCRIBE_SECRET is not set: it is the key that signs unsubscribe links, needed to send through {transport} (--test copies too). Make one with `openssl rand -base64 32`, keep it, and set it for every send (see README)",
  "send-test-done": "test copy sent to {address} ({response})",
  "send-plan":
    '"{title}" → list "{list}" through {transport}: {total} recipient(s) ({suppressed} left out: unsubscribed, bounced or not yet confirmed), {sent} already sent, {toSend} to send',
  "send-unknown-plan":
    "{count} send(s) of unknown outcome (a previous send was killed): not re-sent unless --resend-unknown",
  "send-nothing": "nothing to send: everything is sent already",
  "send-confirm-needed": "confirmation needed: run again with --yes to send",
  "send-confirm": 'Send "{title}" to {toSend} recipient(s) of list "{list}"? (yes/no) ',
  "send-cancelled": "send cancelled",
  "send-stopping": "stop requested: finishing the messages in flight…",
  "send-interrupted": "send interrupted: run the same command again to resume where it stopped",
  "send-unknown-found":
    "{count} message(s) were in flight when a send was killed: outcome unknown, listed below; --resend-unknown sends them again",
  "send-fatal":
    "send stopped: the server refuses the whole send ({detail}); check the sender, password or content, then run again (nothing was lost)",
  "send-running": "a send of this issue to this list is already running ({detail})",
  "send-eta": "~{eta} s left",
  "send-progress": "{done}/{total} messages ({rate}/s)",
  warning: "warning",
  // hardening b2: transports, database, send journal
  "transport-invalid":
    'unknown transport "{value}"{suggestion}; accepted forms: outbox:<folder> (.eml files), smtp://host:port, smtps://user@host:port, ses://<AWS region>',
  "transport-ses-region":
    'transport "{value}": give an AWS region after ses://, e.g. ses://eu-west-3',
  "transport-password":
    'transport "{value}": a password never goes in the server address; remove it and give it in the environment variable LETTRE_SMTP_PASSWORD',
  "send-transport-option": "option --transport: {detail}",
  "send-transport-error": "cannot send: {detail}",
  "database-locked":
    "the database has been locked by another program for more than {seconds} seconds (another lettre running, a SQLite tool open on it?): wait for it to finish or close it, then run the command again",
  "database-readonly":
    "lettre cannot write to the database (the file or the .lettre folder is read-only): make them writable (chmod u+w .lettre .lettre/lettre.db) or run lettre as the user who owns them, then run the command again",
  "database-corrupt":
    "this file is not a readable lettre database (overwritten or damaged: {detail}): put back your last backup of .lettre/lettre.db; failing that, rename this file to keep it, then import your lists again into a new database (the send journal and unsubscribes it held would be lost)",
  "database-full":
    "the disk is full: free some space, then run the command again (what the database already recorded is kept)",
  "database-io":
    "disk read or write error ({detail}): check the disk (removed drive, lost network share?), then run the command again",
  "database-is-folder":
    "this is a folder, not a file: move or rename that folder, lettre will create the database in its place",
  "database-cantopen":
    "cannot open this file ({detail}): check that the .lettre folder exists and is accessible to you, then run the command again",
  "database-other": "database error ({detail}): run again with --debug and report it",
  "database-folder-file":
    "the .lettre folder cannot be created: a file has that name; rename (or move) it, lettre will create the folder",
  "database-folder":
    "the .lettre folder cannot be created ({detail}): give write permission on the project folder, or run lettre from a folder you own",
  "send-db-lost":
    "send stopped: the database .lettre/lettre.db was deleted or replaced during the send; what this send did ({count} message(s) sent) cannot be recorded in it",
  "send-db-rescued":
    "lettre saved the up-to-date journal to {file}: to resume, put it back (mv {file} .lettre/lettre.db), then run the same command again; without it, resuming would send the issue again to those who already got it",
  "send-db-not-rescued":
    "the rescue copy of the journal failed ({detail}): put back your backup of .lettre/lettre.db before resuming, and do not send the issue again to the addresses below, which got it (or may have) during this send:",
  "send-edition-changed":
    'warning: the issue changed ({what}) since its send to list "{list}" began (version frozen on {date}, already received by {sent} recipient(s)); every recipient of a send gets the same version: the rest of the send uses the frozen version, not the edited one',
  "send-edition-subject": "title edited",
  "send-edition-content": "content edited",
  "send-edition-both": "title and content edited",
  "send-edition-new":
    "for the whole list to receive the edited text, it would take a new send (a new issue, under another file name), done deliberately; lettre does not send it in place of the version already started",
  "send-edition-dry-run":
    "--dry-run: nothing is sent; a real send would send the version frozen on {date}",
  "send-edition-yes": "--yes: sending the version frozen on {date}",
  "send-confirm-frozen":
    'Send the frozen version of "{title}" to {toSend} recipient(s) of list "{list}"? (yes/no) ',
  "send-status-frozen": "  version sent: frozen on {date} (at the first send)",
  "send-status-sending-running":
    "  {count} message(s) being sent right now (a send is running, process {pid})",
  "send-status-sending-killed":
    "  {count} message(s) interrupted while being sent (the send was killed): received or not, nobody knows; resuming counts them unknown, --resend-unknown sends them again",
  "transport-dkim-key":
    "sending.dkim is set but the private key is missing: give it in the environment variable LETTRE_DKIM_PRIVATE_KEY (the content of the .pem file), or remove sending.dkim",
  // hardening c
  "out-not-lettre":
    "output folder refused: it is not empty and lettre did not create it (it has no {marker} file); a build would replace its email/ and archive/ folders and delete your files there. Choose an empty or new folder with --out, or empty this one yourself",
  "control-char":
    "{count} invisible control character(s) ({chars}) left out of what is published: often a line break pasted from Word; delete them here",
  "theme-contrast-accent":
    '"{value}" on the {background} background: contrast {ratio}:1, below the 4.5:1 accessibility requires (WCAG AA) for section labels (small text); write for example "{suggestion}", the same hue, darker ({suggested}:1)',
  "theme-contrast-primary":
    '"{value}" on the {background} background: contrast {ratio}:1, below the 4.5:1 accessibility requires (WCAG AA) for links and the white text of buttons; write for example "{suggestion}", the same hue, darker ({suggested}:1)',
  // hardening b1
  "send-secret-short":
    "LETTRE_UNSUBSCRIBE_SECRET is too short ({bytes} bytes): it needs at least 32 so that nobody can guess unsubscribe links. Make one with `openssl rand -base64 32` (see README)",
  "send-secret-preview":
    "LETTRE_UNSUBSCRIBE_SECRET is not set: the outbox files are previews (header X-Lettre-Outbox: unsigned-preview), their unsubscribe links are not signed",
  // hardening a: symbolic links, file sizes, Markdown limits, alt text
  "file-missing": "the file does not exist",
  "file-outside":
    '"{file}" leads, through a symbolic link, to {target}, outside the folder it must be in: lettre only reads and publishes files of the project; replace the link with a copy of the file',
  "file-not-regular":
    '"{file}" is not a regular file (a pipe, a device…): lettre does not read it; put a real file there',
  "file-too-big":
    "file of {size}, over the limit of {max}: Gmail clips an email long before that (102 KB); split this issue or make it shorter",
  "asset-refused": '"{value}" refused: {detail}',
  "asset-too-big":
    "file of {size}, over the limit of {max} for a published file: make the image or document smaller, or put it online elsewhere and link to it with https://",
  "link-outside":
    "symbolic link to {target}, outside newsletters/: lettre does not follow it (neither lettre dev nor publishing); replace it with a copy of the files you need",
  "template-asset-link":
    "link to a folder: lettre does not follow links to folders; copy the folder here",
  "markdown-nesting":
    "lists or quotes nested {depth} levels deep (at most {max}): simplify this passage",
  "markdown-nested-lines":
    "too many nested lists or quotes ({count} lines, at most {max} in an issue): laying them out would take minutes; flatten them or spread them over several issues",
  "markdown-blocks":
    "too many lines of text (lines, list items, table cells) in this issue: at most {max}; Gmail clips the email well before that; split this issue into several",
  "markdown-marks":
    "too many formatting marks (links, bold, italics…) in this issue: at most {max}; split this issue into several",
  "markdown-markup":
    "paragraph overloaded with formatting marks ({count} of * _ ~ ` [ ] < & ! \\ in {chars} characters): laying it out would take minutes; split it into paragraphs with blank lines or remove these marks",
  "img-alt-missing":
    'image "{value}" has no alternative text: add alt="…" describing the image for screen readers (alt="" if it is purely decorative)',
  "markdown-alt-empty":
    'image "{value}" has no alternative text: describe it between the brackets, ![what the image shows]({value})',
  // review of issue 8
  "cli-output-failed":
    "the command's output could not be written ({detail}): a full disk or a file that cannot be written? free some space or choose another file, then run again",
  "http-url":
    '"{value}" is not a web address: write it in full, e.g. https://newsletter.example.org',
  "yaml-too-deep":
    "value nested too deep (thousands of [ or {?): a value of the front matter takes a few levels; fix this line",
  "text-too-big":
    "file of {size}, over the limit of {max} for a settings file or a template: a file this size is not what lettre expects here; check that it is the right file",
  "cli-root-missing":
    '--root: the folder "{value}" does not exist (or is not a folder): give the project folder, the one holding lettre.config.yaml',
  "out-denied":
    "lettre cannot write to the output folder ({code} on {path}): give yourself the right to write there (or choose another folder with --out), then run again; the previous output is kept",
  "out-full":
    "the disk is full ({path}): free some space, then run again; the previous output is kept",
  "cache-lost":
    "a file kept by the previous build disappeared during this one ({file}): run again; the previous output is kept",
  "serve-port":
    "lettre serve cannot listen on {host}:{port} ({code}): stop the program that holds it, or choose another port (--port, above 1024) or address (--host)",
  "cli-serving":
    "lettre serves {url}: the archive of {dir}, sign-up and unsubscribe (Ctrl-C to stop)",
  "serve-not-built":
    '{dir}/ does not exist yet: run "npx lettre build"; meanwhile only sign-up and unsubscribe answer',
  "serve-expiry-failed":
    "unconfirmed sign-ups could not be deleted this hour ({detail}); trying again in an hour",
  "serve-internal": "internal error of lettre serve: {detail}",
  "serve-outbox":
    "sending.transport is the outbox ({folder}/): the confirmation emails of sign-ups are written there and nobody receives them; give an SMTP server or SES for a real service",
  "serve-confirmation-failed": "the confirmation email of a sign-up could not be sent: {detail}",
  "inbox-usage":
    "usage: lettre inbox (one pass over the returns mailbox) or lettre inbox classify <file.eml>… [--json]",
  "inbox-not-configured":
    "no returns mailbox: add inbox.imap (host, user) to lettre.config.yaml and its password to LETTRE_IMAP_PASSWORD (see README)",
  "inbox-password":
    "LETTRE_IMAP_PASSWORD is not set: give the returns mailbox's password in this environment variable",
  "inbox-plaintext":
    "inbox.imap.security: none is only allowed to this machine (127.0.0.1, localhost); for {host} choose tls or starttls: the password must not travel in clear",
  "inbox-connect":
    "lettre cannot connect to the returns mailbox {host}: {detail}; check inbox.imap in lettre.config.yaml and LETTRE_IMAP_PASSWORD",
  "inbox-mailbox":
    'the folder "{mailbox}" of the returns mailbox does not open: {detail}; check inbox.imap.mailbox',
  "inbox-same-folder":
    "inbox.imap.processed is the folder read ({folder}): choose another folder for processed messages",
  "inbox-failed":
    "the returns mailbox {host} stopped answering during the pass: {detail}; what was done is recorded ({done}); run again for the rest",
  "inbox-no-secret":
    "LETTRE_UNSUBSCRIBE_SECRET is not set: unsubscribe requests by email are left in the mailbox",
  "inbox-summary":
    '{read} message(s) read, {moved} moved to "{folder}": {suppressed} address(es) suppressed, {counted} temporary bounce(s) counted, {unsubscribed} unsubscribe(s), {already} already processed; {left} left as they were',
  "inbox-classify-line": "{file}: {kind}{permanence}{recipients}",
  "inbox-permanent": " (permanent)",
  "inbox-temporary": " (temporary)",
  "inbox-file-error": "{file}: {detail}",
  "inbox-file-missing": "file not found: check the path",
  "inbox-file-denied": "reading refused: give yourself the right to read this file",
  "inbox-file-not-file": "not a file (a folder?): give an .eml file",
  "inbox-file-too-large":
    "too large ({size} KB) for a returned message: nothing over 10 MB is read",
  "inbox-file-unreadable": "unreadable: {detail}",
  "inbox-pass-failed":
    "reading the returns mailbox failed: {detail}; trying again at the next pass",
  "serve-needs-secret":
    "LETTRE_UNSUBSCRIBE_SECRET is not set: it is the key that signed the unsubscribe links of the emails sent; give the same one to lettre serve (see README)",
  "send-preview-written":
    "preview: {count} message(s) written to {folder}/; nothing is recorded as sent (without LETTRE_UNSUBSCRIBE_SECRET these are only previews: the real send is still to be done)",
  "markdown-footer":
    "the footer is too long or carries too much formatting (nested lists, thousands of lines or of * _ [ ] marks): laying it out would take minutes for every email and page; shorten it to a few paragraphs",
  "unsubscribe-not-understood":
    '"{value}" is neither an address nor the link or subject of an unsubscribe request ("unsubscribe <token>"): paste the address, the link or the subject as it is, between quotes',
  "unsubscribe-needs-secret":
    "to read an unsubscribe request, lettre needs the key that signed the link: set LETTRE_UNSUBSCRIBE_SECRET as for sending",
  "unsubscribe-bad-token":
    "this unsubscribe link was not made with the current LETTRE_UNSUBSCRIBE_SECRET (altered, truncated or signed with another key): nobody is unsubscribed; ask the person for their address and unsubscribe that",
  "unsubscribe-preview-token":
    "this link comes from an outbox preview (public key, no LETTRE_UNSUBSCRIBE_SECRET): it proves nothing, nobody is unsubscribed",
  // review y
  "placeholder-unfilled":
    '"{value}" will not be filled when sending: it crosses a tag or some formatting (bold, italics, HTML in its fallback), and readers would see it as written; write it in one piece, as plain text, e.g. **{{subscriber.firstName|Sir or Madam}}**',
  "placeholder-encoded":
    '"{value}" is in the address of a link or an image: it is encoded there (%7B%7B…) and will never be filled; take it out of the address (it may stay in the link\'s text)',
  "logo-missing":
    'logo "{value}" not found: a logo given as a path is read from newsletters/, like the issues\' images, and the file {file} does not exist; put it there, or give an https:// address',
  "logo-taken":
    'logo "{value}": the archive already publishes another file at that address (an issue, its images or the site\'s files); put the logo elsewhere in newsletters/, e.g. images/site-logo.png',
  // review x: sending and lists
  "send-db-leftovers-removed":
    "lettre removed {files}, left over from the deleted database: left there, SQLite would have replayed them onto the file put back in its place, and damaged it",
  "send-db-leftovers-replaced":
    "another file took the place of .lettre/lettre.db: lettre left {files}, which may belong to it; before putting the saved journal back, stop every lettre command, then delete {files}: otherwise SQLite would replay them onto the journal put back, and damage it",
  "send-db-leftovers-stuck":
    "lettre could not remove {files} ({detail}), left over from the deleted database: delete them before putting the saved journal back, otherwise SQLite would replay them onto it and damage it",
  "send-tls-required":
    "send stopped: the server {transport} does not encrypt the connection (no STARTTLS): lettre did not send it the password, which would travel in clear ({detail}). Use smtps://user@host:465 if your provider offers it, or a server that accepts STARTTLS (port 587); nobody is suppressed and nothing is lost: run the same command again once the transport is fixed",
  "send-tls-certificate":
    "send stopped: the certificate of the server {transport} does not hold ({detail}): nothing was sent; check that the server name in the transport is the one of its certificate and that the certificate has not expired (your mail provider knows); nobody is suppressed and nothing is lost: run the same command again once the transport is fixed",
  "send-test-failed": "the test copy for {address} was not sent: {reason}",
  "send-reasons": "why {count} message(s) of this send were deferred or failed:",
  "send-reason-deferred": "  {count} deferred: {reason}",
  "send-reason-failed": "  {count} failed (address refused, excluded from later sends): {reason}",
  "send-reasons-more": "  {count} other message(s), for {reasons} other reason(s)",
  "send-reason-connection":
    "the server {transport} could not be reached: check its address and port (sending.transport in lettre.config.yaml, or --transport), your network connection and the firewall (some networks block ports 25, 465 and 587), then run the command again",
  "send-reason-resume":
    "the same command run again sends the deferred messages; those already received will not go again",
  "send-reason-connection-ses":
    "Amazon SES ({transport}) could not be reached: check the region, your network connection and the firewall (and LETTRE_SES_ENDPOINT if set), then run the command again",
  "unsubscribe-url-http":
    '"{value}": the unsubscribe page must be https://; one-click unsubscribe (RFC 8058), which Gmail and Yahoo require of bulk senders, works over https only. Write "{https}" (the page must answer there)',
  "unsubscribe-url-mailto":
    '"{value}": unsubscribeUrl is the https:// address of a web page; an address to write to for unsubscribing goes in sending.unsubscribeMailto ("unsubscribeMailto: {address}")',
  "unsubscribe-url":
    '"{value}" is not the address of a web page: write the https:// address of the unsubscribe page (https://example.org/unsubscribe)',
  "send-unsubscribe-http":
    "warning: the unsubscribe link will be {url} (site.url), over http: without https, mail providers offer no one-click unsubscribe (RFC 8058), which Gmail and Yahoo require of bulk senders; publish the site over https or give an https:// page in sending.unsubscribeUrl",
  "send-secret-weak":
    "LETTRE_UNSUBSCRIBE_SECRET was not drawn at random ({why}): it could be guessed, and links made that unsubscribe any reader. Make one with `openssl rand -base64 32` (see README)",
  "send-secret-blank": "only spaces",
  "send-secret-few": "only {count} different characters",
  "send-secret-repeated": "one piece repeated",
  "list-not-file":
    "not a regular file (a device such as /dev/zero, a pipe, a socket…): lettre reads a list from a CSV file only",
  "list-too-big":
    "a file of {size}, over the limit of {max} (about 500,000 subscribers): probably not a subscriber list; otherwise split it into several files imported one after the other into the same list",
  "list-status-ignored":
    'column(s) "{columns}" ignored: lettre list export writes them; status, consent and history stay recorded by lettre, whatever the list (rename a column to keep it as a field)',
  "list-exported": 'list "{name}": {count} address(es) written to {file}',
  "list-export-write":
    "cannot write ({detail}): give the name of a file in a folder you may write to",
  // lettre init
  "init-folder": "the folder {folder} cannot be read ({detail})",
  "init-not-empty":
    "the folder {folder} is not empty ({count} item(s)): choose a new folder, or add --force to add the project to it without replacing any file",
  "init-kept": "{file} already exists: kept as it is",
  "init-write":
    "{file} cannot be written ({detail}): check that you may write in this folder and that there is room left; the files already written stay",
  "init-kept-package": 'your package.json is kept: add to its "dependencies" {dependencies}',
  "init-done": "project of the newsletter “{name}” created in {folder}",
  "init-next": `Next:
  {cd}npm install && npx lettre build
  npx lettre dev      preview in the browser, on every save
The project's README.md says how to write, publish and send each issue.`,
  "init-ask-lang": "Language of the newsletter, fr or en (langue : fr ou en)?",
  "init-bad-lang": 'unknown language "{value}": answer fr or en',
  "init-ask-name": "Name of the newsletter (at the top of every email)?",
  "init-ask-url": "Public address of the web archive (https://…)?",
  "init-ask-senderName": "Sender's name?",
  "init-ask-senderAddress": "Sender's email address?",
  "init-default-name": "My newsletter",
  "init-issue-title": "First issue of {name}",
  // lettre templates
  "templates-is-builtin":
    "templates/ here is lettre's built-in theme itself (lettre's repository): there is nothing to replace",
  "templates-usage-unknown":
    '"lettre templates {value}" is unknown{suggestion}: lettre templates [eject|diff|update] <file>',
  "templates-none":
    "this project has no templates of its own: it uses the {count} files of lettre {version}'s built-in theme; `npx lettre templates eject <file>` copies one to edit",
  "templates-own": "the project's templates (templates/), used instead of lettre {version}'s:",
  "templates-status-own": "the project's own (the built-in theme has no file of that name)",
  "templates-status-current":
    "up to date: copied from lettre {from}, the built-in has not changed since",
  "templates-status-changed":
    "copied from lettre {from}; lettre has changed this template since: npx lettre templates diff {file}",
  "templates-status-same": "the same as the built-in",
  "templates-status-edited":
    "changed, with no record of the version copied: npx lettre templates diff {file}",
  "templates-file-status": "{file}: {status}",
  "templates-used":
    "{count} other file(s) of the built-in theme used as they are; `npx lettre templates eject <file>` copies one to edit",
  "templates-ambiguous": '"{value}" names several files: say which ({known})',
  "templates-unknown":
    '"{value}" is not a file of the built-in theme{suggestion}; `npx lettre templates eject` lists them',
  "templates-eject-which": "which file to copy? The files of the built-in theme:",
  "templates-eject-exists":
    "{file} already exists in the project: it is not replaced (`npx lettre templates diff {file}` shows what lettre changed in it)",
  "templates-ejected":
    "{file} copied from lettre {version}: edit it, lettre uses it instead of the built-in",
  "templates-labels-hint":
    "templates/labels.yaml: only the labels you change need to stay in it; the others come from the built-in theme, including those lettre will add",
  "templates-diff-changed":
    "{file}: what lettre changed in this template since your copy ({from} → {to}):",
  "templates-diff-update":
    "to bring these changes into your file: npx lettre templates update {file}",
  "templates-diff-edited":
    "{file}: no record of the version copied; differences between your file (−) and the built-in (+):",
  "templates-yours": "your file",
  "templates-update-which": "which file to update? npx lettre templates update <file>",
  "templates-resolved":
    "{file}: recorded as following lettre {version}'s built-in (your file is not changed)",
  "templates-update-no-record":
    "{file}: no record of the version copied, so the changes cannot be brought in by themselves; compare with `npx lettre templates diff {file}`, make them by hand, then `npx lettre templates update {file} --resolved`",
  "templates-update-conflict":
    "{file}: your changes touch the same lines as lettre's, nothing was changed; make them by hand (npx lettre templates diff {file}), then `npx lettre templates update {file} --resolved`",
  "templates-updated": "{file}: lettre {version}'s changes are brought in",
  "templates-not-own":
    "{file} is not a template of the project (it comes from the built-in theme): `npx lettre templates eject {file}` copies it",
  "templates-records-unreadable":
    "templates/ejected.yaml cannot be read: lettre records in it where each copied template comes from; put back the version from your backup or git, or delete it (diff then compares your files with the current theme)",
  "templates-records-header": `Written by \`lettre templates eject\`: the text each template was copied from, and
lettre's version, so that \`lettre templates diff\` shows what lettre changed since.
Keep it with your templates; do not edit it.`,
};

export const SUPPORTED_LOCALES = ["fr", "en"] as const;
export type Locale = (typeof SUPPORTED_LOCALES)[number];

const catalogs: Record<Locale, Record<MessageKey, string>> = { fr, en };
let current: Locale = "fr";

export function setLocale(locale: string | undefined): void {
  if (locale && (SUPPORTED_LOCALES as readonly string[]).includes(locale)) {
    current = locale as Locale;
  }
}

export function getLocale(): Locale {
  return current;
}

export type Params = Record<string, string | number | undefined>;

/** 141 723 bytes → "138,4" in French, "138.4" in English. */
export function kilobytes(bytes: number): string {
  return new Intl.NumberFormat(current === "fr" ? "fr-FR" : "en-GB", {
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
  }).format(bytes / 1024);
}

export function t(key: MessageKey, params: Params = {}): string {
  // `{name}` is a parameter; `{{name}}` (a template placeholder shown to editors) is not.
  return catalogs[current][key].replace(/(?<!\{)\{(\w+)\}(?!\})/g, (_, name: string) =>
    String(params[name] ?? ""),
  );
}

/** " (did you mean "x"?)" when a close match exists, else "". */
export function suggestion(value: string, known: readonly string[]): string {
  const best = closest(value, known);
  if (!best) return "";
  return current === "fr" ? ` (vouliez-vous dire « ${best} » ?)` : ` (did you mean "${best}"?)`;
}

function closest(value: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(value.length / 3)) + 1;
  for (const candidate of known) {
    const d = levenshtein(value.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}
