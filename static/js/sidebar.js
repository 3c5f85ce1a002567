// The room page's sidebar folds behind its "Rooms" button on a narrow
// screen. The page draws it open, which is what a browser without
// JavaScript shows; here it follows the width, folded on a phone.
(() => {
  const fold = document.querySelector(".sidebar-fold");
  if (!fold) return;
  const wide = window.matchMedia("(min-width: 701px)");
  const follow = () => { fold.open = wide.matches; };
  follow();
  wide.addEventListener("change", follow);
})();
