// Français : les mêmes clés et les mêmes {paramètres} que le catalogue anglais (en.ts).
import type { Catalogue } from './locales.ts';

export const fr: Catalogue = {
  'brand.help': 'Aide',
  'brand.privacy': 'Confidentialité',
  'brand.terms': 'Conditions d’utilisation',
  'common.cancel': 'Annuler',
  'common.continue': 'Continuer',
  'common.backToSignIn': 'Retour à la connexion',

  'time.seconds.one': '{n} seconde',
  'time.seconds.other': '{n} secondes',
  'time.minutes.one': '{n} minute',
  'time.minutes.other': '{n} minutes',
  'time.hours.one': '{n} heure',
  'time.hours.other': '{n} heures',

  'retry.wait': 'Patientez {time} avant de réessayer.',
  'retry.delay': 'Trop de tentatives échouées. Patientez {time}, puis réessayez.',
  'retry.locked':
    'Trop de tentatives échouées. La connexion depuis cet endroit est suspendue pendant {time} ; un administrateur peut lever la suspension plus tôt.',
  'retry.address': 'Trop de tentatives échouées depuis votre réseau. Réessayez dans {time}.',

  'login.title': 'Connexion',
  'login.continueTo': 'pour continuer vers {client}',
  'login.username': 'Nom d’utilisateur ou e-mail',
  'login.password': 'Mot de passe',
  'login.submit': 'Se connecter',
  'login.passkey': 'Se connecter avec une clé d’accès',
  'login.passkeyFailed':
    'La clé d’accès n’a pas été utilisée. Réessayez, ou connectez-vous avec votre mot de passe.',
  'login.passkeyRefused':
    'Cette clé d’accès ne peut pas être utilisée. Réessayez, ou connectez-vous avec votre mot de passe.',
  'login.failed': 'Nom d’utilisateur ou mot de passe incorrect.',
  'login.missing': 'Saisissez votre nom d’utilisateur ou votre e-mail, et votre mot de passe.',
  'login.forgot': 'Mot de passe oublié ?',
  'login.register': 'Créer un compte',

  'consent.title': 'Autoriser l’accès',
  'consent.intro': '{client} souhaite :',
  'consent.api': 'Utiliser {api} : {scopes}',
  'consent.allow': 'Autoriser',
  'consent.deny': 'Refuser',
  'scope.openid': 'Savoir qui vous êtes',
  'scope.profile': 'Votre nom, votre nom d’utilisateur et votre profil',
  'scope.email': 'Votre adresse e-mail',
  'scope.phone': 'Votre numéro de téléphone',
  'scope.address': 'Votre adresse postale',
  'scope.groups': 'Les groupes dont vous faites partie',
  'scope.offline_access': 'Rester connecté quand vous ne l’utilisez pas',
  'claim.email_verified': 'Si votre adresse e-mail est vérifiée',
  'claim.phone_number_verified': 'Si votre numéro de téléphone est vérifié',
  'claim.birthdate': 'Votre date de naissance',
  'claim.gender': 'Votre genre',
  'claim.other': 'Votre information « {claim} »',

  'logout.title': 'Déconnexion',
  'logout.question':
    'Vous déconnecter de {brand} et de toutes les applications auxquelles vous vous êtes connecté avec ?',
  'logout.questionClient':
    'Vous déconnecter de {brand} et de toutes les applications auxquelles vous vous êtes connecté avec, ou seulement de {client} ?',
  'logout.everywhere': 'Me déconnecter partout',
  'logout.onlyClient': 'Me déconnecter seulement de {client}',
  'logout.stay': 'Rester connecté',
  'loggedOut.title': 'Déconnecté',
  'loggedOut.message': 'Vous êtes déconnecté. Vous pouvez fermer cette page.',
  'loggedOut.messageClient': 'Vous êtes déconnecté de {client}. Vous pouvez fermer cette page.',

  'device.title': 'Connecter un appareil',
  'device.enter': 'Saisissez le code affiché sur votre appareil.',
  'device.code': 'Code',
  'device.wrongCode': 'Ce code n’est pas valide. Vérifiez-le et réessayez.',
  'device.cancelled': 'La demande de connexion a été annulée.',
  'device.failed': 'La demande n’a pas pu aboutir. Réessayez.',
  'device.expired':
    'Cette page a expiré, ou votre navigateur n’a pas gardé son cookie. Rouvrez la page de l’appareil et saisissez le code.',
  'deviceConfirm.title': 'Confirmer l’appareil',
  'deviceConfirm.intro':
    '{client} demande à se connecter. Vérifiez que votre appareil affiche ce code :',
  'deviceDone.title': 'Appareil connecté',
  'deviceDone.message': 'Votre appareil est connecté. Vous pouvez fermer cette page.',
  'deviceDone.messageClient':
    'Votre appareil ({client}) est connecté. Vous pouvez fermer cette page.',

  'error.title': 'Un problème est survenu',
  'error.notFoundTitle': 'Page introuvable',
  'error.code': 'Code d’erreur',
  'error.backTo': 'Retour à {client}',
  'error.advice':
    'Revenez à l’application et réessayez. Si le problème persiste, contactez son administrateur en lui donnant le code d’erreur.',
  'error.sessionExpired':
    'Cette page de connexion a expiré, ou a été ouverte dans un autre navigateur. Revenez à l’application et reconnectez-vous depuis celle-ci.',
  'error.stepDone':
    'Cette page correspond à une étape de la connexion déjà terminée. Revenez à l’application et recommencez.',
  'error.unknownApp':
    'L’application qui vous a envoyé ici n’est pas enregistrée auprès de {brand}.',
  'error.redirectUri':
    'L’application a demandé à {brand} de vous renvoyer vers une adresse qu’elle n’a pas enregistrée ; {brand} s’est arrêté ici pour vous protéger.',
  'error.logoutRedirect':
    'L’application a demandé à {brand} de vous envoyer, après la déconnexion, vers une adresse qu’elle n’a pas enregistrée ; {brand} s’est arrêté ici pour vous protéger.',
  'error.badRequest':
    'L’application a envoyé une demande de connexion incomplète ou invalide. Son administrateur peut corriger cela.',
  'error.scope': 'L’application a demandé un accès qu’elle n’a pas le droit de demander.',
  'error.target': 'L’application a demandé l’accès à un service que {brand} ne connaît pas.',
  'error.accessDenied': 'La connexion a été annulée ou refusée.',
  'error.loginRequired': 'Vous devez vous reconnecter avant que l’application puisse continuer.',
  'error.acr': 'L’application a demandé un type de connexion que {brand} ne propose pas.',
  'error.expired': 'Cette demande a expiré. Recommencez depuis l’application.',
  'error.unavailable': '{brand} ne peut pas faire cela pour le moment. Réessayez dans un instant.',
  'error.server': 'Un problème est survenu de notre côté. Réessayez plus tard.',
  'error.notFound': 'Il n’y a rien à cette adresse.',
  'error.method':
    'Cette adresse ne peut pas être utilisée ainsi. Revenez à l’application et recommencez.',
  'error.tooLarge': 'Ce qui a été envoyé est trop volumineux.',
  'error.generic': 'La demande n’a pas pu aboutir.',

  'mail.checkTitle': 'Consultez vos e-mails',
  'forgot.title': 'Mot de passe oublié ?',
  'forgot.intro':
    'Saisissez le nom d’utilisateur ou l’adresse e-mail de votre compte. S’il a une adresse e-mail, un lien pour choisir un nouveau mot de passe y sera envoyé.',
  'forgot.submit': 'M’envoyer un lien',
  'forgot.missing': 'Saisissez votre nom d’utilisateur ou votre adresse e-mail.',
  'forgot.sent':
    'Si c’est le nom d’utilisateur ou l’adresse e-mail d’un compte qui a une adresse e-mail, un lien pour choisir un nouveau mot de passe est en route. Il fonctionne une seule fois, pendant {time}.',
  'forgot.sentMore':
    'Rien reçu ? Regardez dans les courriers indésirables, attendez quelques minutes ou demandez à un administrateur.',
  'forgot.offTitle': 'Réinitialisation du mot de passe',
  'forgot.off':
    'La réinitialisation du mot de passe par e-mail n’est pas configurée ici ; demandez à un administrateur de vous définir un nouveau mot de passe.',
  'forgot.again': 'Demander un nouveau lien',

  'newPassword.title': 'Choisir un nouveau mot de passe',
  'newPassword.intro':
    'Pour le compte {username}. Au moins 8 caractères ; quelques mots sans rapport entre eux font un bon mot de passe. Le définir vous déconnecte partout.',
  'newPassword.password': 'Nouveau mot de passe',
  'newPassword.repeat': 'Nouveau mot de passe (encore)',
  'newPassword.submit': 'Définir le mot de passe',
  'newPassword.missing': 'Saisissez deux fois le nouveau mot de passe.',
  'newPassword.doneTitle': 'Mot de passe modifié',
  'newPassword.done':
    'Le mot de passe de {username} est défini. Vous avez été déconnecté partout : reconnectez-vous avec le nouveau mot de passe.',
  'newPassword.doneMore': 'Revenez à l’application que vous utilisiez et connectez-vous-y.',
  'password.differ': 'Les deux mots de passe sont différents.',
  'password.common':
    'Ce mot de passe est l’un des plus courants, que les attaquants essaient en premier : choisissez-en un autre (quelques mots sans rapport entre eux en font un bon).',
  'password.length': 'Le mot de passe doit comporter de {min} à {max} caractères.',

  'link.malformedTitle': 'Lien incomplet',
  'link.malformed':
    'Ce lien est coupé. Copiez le lien entier depuis l’e-mail dans la barre d’adresse.',
  'link.unknownTitle': 'Lien non valide',
  'link.unknown':
    'Ce lien n’est pas (ou plus) valide : un lien plus récent l’a peut-être remplacé, ou le compte a changé.',
  'link.expiredTitle': 'Lien expiré',
  'link.expired': 'Ce lien a expiré.',
  'link.usedTitle': 'Lien déjà utilisé',
  'link.used': 'Ce lien a déjà servi ; il ne fonctionne qu’une fois.',
  'tooMany.title': 'Trop de demandes',
  'tooMany.message': 'Trop de demandes depuis votre réseau. Réessayez dans {time}.',

  'register.title': 'Créer un compte',
  'register.intro':
    'Un lien pour confirmer votre adresse e-mail y sera envoyé ; le compte est créé quand vous l’ouvrez.',
  'register.username': 'Nom d’utilisateur',
  'register.usernameHelp': 'Lettres, chiffres et . _ -',
  'register.email': 'E-mail',
  'register.password': 'Mot de passe',
  'register.repeat': 'Mot de passe (encore)',
  'register.submit': 'Créer le compte',
  'register.missing': 'Remplissez tous les champs.',
  'register.sent':
    'Un message est en route vers l’adresse que vous avez donnée. Ouvrez le lien qu’il contient dans un délai de {time} pour créer le compte.',
  'register.sentMore':
    'Rien reçu ? Regardez dans les courriers indésirables, ou attendez quelques minutes et inscrivez-vous à nouveau.',
  'register.off':
    'La création de compte n’est pas proposée ici ; demandez un compte à un administrateur.',
  'register.noMail':
    'La création de compte par e-mail n’est pas configurée ici ; demandez un compte à un administrateur.',
  'register.again': 'S’inscrire à nouveau',
  'register.confirmTitle': 'Confirmer votre compte',
  'register.confirm': 'Créer le compte {username} avec l’adresse e-mail {email} ?',
  'register.notCreatedTitle': 'Compte non créé',
  'register.usernameTaken':
    'Le nom d’utilisateur {username} a été pris entre-temps. Inscrivez-vous à nouveau avec un autre.',
  'register.emailTaken':
    'Cette adresse e-mail a reçu un compte entre-temps. Connectez-vous avec, ou réinitialisez son mot de passe.',
  'register.resetLink': 'Réinitialiser le mot de passe',
  'register.doneTitle': 'Compte créé',
  'register.done': 'Votre compte {username} est prêt, avec votre adresse e-mail confirmée.',
  'register.doneMore':
    'Revenez à l’application d’où vous venez et connectez-vous avec votre nom d’utilisateur ou votre adresse e-mail.',

  'secondFactor.title': 'Confirmez que c’est bien vous',
  'secondFactor.passkeyIntro': 'Utilisez votre clé d’accès ou votre clé de sécurité.',
  'secondFactor.passkey': 'Utiliser une clé d’accès',
  'secondFactor.passkeyFailed':
    'La clé d’accès n’a pas été utilisée. Réessayez, ou utilisez un autre moyen ci-dessous.',
  'secondFactor.passkeyRefused':
    'Cette clé d’accès ne peut pas être utilisée ici. Réessayez ou utilisez un autre moyen.',
  'secondFactor.code': 'Code de votre application d’authentification',
  'secondFactor.useRecovery': 'Utiliser un code de secours',
  'secondFactor.recoveryCode': 'Code de secours',
  'secondFactor.recoverySubmit': 'Continuer avec un code de secours',
  'secondFactor.wrongCode':
    'Ce code n’est pas le bon. Vérifiez l’application (et l’heure de l’appareil), puis réessayez.',
  'secondFactor.wrongRecovery': 'Ce code de secours n’est pas le bon, ou a déjà servi.',

  'enroll.title': 'Configurer une application d’authentification',
  'enroll.intro':
    'Cette connexion demande un second facteur. Scannez le code avec une application d’authentification (comme FreeOTP, Aegis, Google ou Microsoft Authenticator), puis saisissez le code qu’elle affiche.',
  'totp.qrAlt': 'QR code de configuration de l’application d’authentification',
  'totp.typeKey': 'Ou saisissez cette clé :',
  'totp.code': 'Code de l’application',
  'totp.turnOn': 'L’activer',
  'totp.notCurrent':
    'Ce code n’est pas le code actuel ; vérifiez l’application et l’heure de l’appareil.',
  'totp.startAgain': 'Recommencez la configuration de l’application d’authentification.',
  'rule.emailInvalid': 'Ce n’est pas une adresse e-mail.',
  'rule.emailNeeded': 'Une adresse e-mail est nécessaire.',
  'rule.username':
    'Un nom d’utilisateur compte de 1 à 64 lettres, chiffres, « . », « _ » ou « - », et commence par une lettre ou un chiffre.',
  'rule.passkeyLimit': 'Un compte a au plus {max} clés d’accès : supprimez-en une d’abord.',
  'rule.passkeyUnverified': 'La clé d’accès n’a pas pu être vérifiée ; réessayez.',
  'rule.passkeyTaken': 'Cette clé d’accès est déjà enregistrée.',

  'recovery.title': 'Conservez vos codes de secours',
  'recovery.intro':
    'Si vous perdez votre appareil, chacun de ces codes vous permet de vous connecter une fois. Gardez-les en lieu sûr : ils ne sont affichés que maintenant.',
  'recovery.saved': 'Je les ai conservés, continuer',

  'account.title': 'Votre compte',
  'account.signOut': 'Se déconnecter',
  'account.profile': 'Profil',
  'account.username': 'Nom d’utilisateur {username}',
  'account.verified': '(vérifiée)',
  'account.field.name': 'Nom complet',
  'account.field.givenName': 'Prénom',
  'account.field.familyName': 'Nom de famille',
  'account.field.nickname': 'Surnom',
  'account.field.locale': 'Langue (par ex. fr-FR)',
  'account.field.zoneinfo': 'Fuseau horaire (par ex. Europe/Paris)',
  'account.save': 'Enregistrer',
  'account.password': 'Mot de passe',
  'account.currentPassword': 'Mot de passe actuel',
  'account.newPassword': 'Nouveau mot de passe',
  'account.repeatPassword': 'Nouveau mot de passe (encore)',
  'account.changePassword': 'Changer le mot de passe',
  'account.factors': 'Seconds facteurs',
  'account.totpState': 'Application d’authentification :',
  'account.on': 'activée',
  'account.off': 'désactivée',
  'account.remove': 'Supprimer',
  'account.replace': 'Remplacer',
  'account.setUp': 'Configurer',
  'account.recoveryLeft': 'Codes de secours restants :',
  'account.newCodes': 'Nouveaux codes',
  'account.passkeys': 'Clés d’accès',
  'account.passkeyAdded': 'ajoutée le {date}',
  'account.noPasskeys': 'Aucune clé d’accès pour l’instant.',
  'account.passkeyName': 'Nom de la nouvelle clé d’accès',
  'account.passkeyPlaceholder': 'Ordinateur portable',
  'account.addPasskey': 'Ajouter une clé d’accès',
  'account.passkeyFailed': 'La clé d’accès n’a pas été ajoutée. Réessayez.',
  'account.sessions': 'Où vous êtes connecté',
  'account.signOutThere': 'Se déconnecter à cet endroit',
  'account.apps': 'Applications autorisées',
  'account.removeAccess': 'Retirer l’accès',
  'account.noApps': 'Aucune application n’a accès.',
  'account.activity': 'Connexions récentes',
  'account.signedIn': 'connexion',
  'account.failedSignIn': 'connexion échouée',
  'account.toClient': 'à {client}',
  'account.fromIp': 'depuis {ip}',
  'account.none': 'Aucune pour l’instant.',
  'account.totpIntro':
    'Scannez le code avec une application d’authentification, puis saisissez le code qu’elle affiche. Un code de cette application sera ensuite demandé à chaque connexion.',
  'account.codesSaved': 'Je les ai conservés',
  'account.newCodesTitle': 'Vos nouveaux codes de secours',
  'account.signedOutTitle': 'Déconnecté',
  'account.signedOut': 'Vous êtes déconnecté.',
  'account.sessionEnded': 'Votre session a pris fin, rien n’a donc été modifié. Reconnectez-vous.',
  'account.formExpiredTitle': 'Formulaire expiré',
  'account.formExpired': 'Ce formulaire a expiré, rien n’a donc été modifié. Réessayez.',
  'account.signInFailedTitle': 'Échec de la connexion',
  'account.signInFailed': 'La connexion n’a pas pu aboutir. Recommencez.',
  'account.notSetUpTitle': 'Non configurée',
  'account.differ': 'Les deux nouveaux mots de passe sont différents.',
  'account.wrongCurrent': 'Votre mot de passe actuel n’est pas le bon.',
  'notice.profile': 'Votre profil est enregistré.',
  'notice.password': 'Votre mot de passe est modifié.',
  'notice.totpOn': 'Votre application d’authentification est configurée.',
  'notice.totpOff': 'L’application d’authentification est supprimée.',
  'notice.passkeyAdded': 'Votre clé d’accès est ajoutée.',
  'notice.passkeyRemoved': 'La clé d’accès est supprimée.',
  'notice.sessionEnded': 'Cette session est terminée.',
  'notice.grantRevoked': 'Cette application n’a plus accès.',
};
