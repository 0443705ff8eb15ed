// العربية (right to left): the sign-in page, the words every page shares, and the error page. A key
// missing here is shown in English (locales.ts); test/pages/catalogues.test.ts checks that the
// login page's keys are all here.
import type { Catalogue } from './locales.ts';

export const ar: Partial<Catalogue> = {
  'brand.help': 'المساعدة',
  'brand.privacy': 'الخصوصية',
  'brand.terms': 'شروط الاستخدام',
  'common.cancel': 'إلغاء',
  'common.continue': 'متابعة',
  'common.backToSignIn': 'العودة إلى تسجيل الدخول',

  'time.seconds.one': 'ثانية واحدة',
  'time.seconds.other': '{n} ثانية',
  'time.minutes.one': 'دقيقة واحدة',
  'time.minutes.other': '{n} دقيقة',
  'time.hours.one': 'ساعة واحدة',
  'time.hours.other': '{n} ساعة',

  'retry.wait': 'انتظر {time} قبل المحاولة مرة أخرى.',
  'retry.delay': 'محاولات فاشلة كثيرة. انتظر {time} ثم حاول مرة أخرى.',
  'retry.locked':
    'محاولات فاشلة كثيرة. تسجيل الدخول من هنا متوقف لمدة {time}؛ يمكن للمسؤول رفع الإيقاف قبل ذلك.',
  'retry.address': 'محاولات فاشلة كثيرة من شبكتك. حاول مرة أخرى بعد {time}.',

  'login.title': 'تسجيل الدخول',
  'login.continueTo': 'للمتابعة إلى {client}',
  'login.username': 'اسم المستخدم أو البريد الإلكتروني',
  'login.password': 'كلمة المرور',
  'login.submit': 'تسجيل الدخول',
  'login.passkey': 'تسجيل الدخول بمفتاح مرور',
  'login.passkeyFailed': 'لم يُستخدم مفتاح المرور. حاول مرة أخرى، أو سجّل الدخول بكلمة المرور.',
  'login.passkeyRefused':
    'تعذّر استخدام مفتاح المرور هذا. حاول مرة أخرى، أو سجّل الدخول بكلمة المرور.',
  'login.failed': 'اسم المستخدم أو كلمة المرور غير صحيحة.',
  'login.missing': 'أدخل اسم المستخدم أو البريد الإلكتروني وكلمة المرور.',
  'login.forgot': 'هل نسيت كلمة المرور؟',
  'login.register': 'إنشاء حساب',

  'error.title': 'حدث خطأ ما',
  'error.notFoundTitle': 'غير موجود',
  'error.code': 'رمز الخطأ',
  'error.backTo': 'العودة إلى {client}',
  'error.advice': 'ارجع إلى التطبيق وحاول مرة أخرى. إذا تكرر ذلك، فاتصل بمسؤوله وأعطه رمز الخطأ.',
  'error.sessionExpired':
    'انتهت صلاحية صفحة تسجيل الدخول هذه، أو فُتحت في متصفح آخر. ارجع إلى التطبيق وسجّل الدخول من جديد من هناك.',
  'error.unknownApp': 'التطبيق الذي أرسلك إلى هنا غير مسجّل لدى {brand}.',
  'error.generic': 'تعذّر إكمال الطلب.',
};
